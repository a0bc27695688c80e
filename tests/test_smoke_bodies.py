"""Request bodies per endpoint, and reading replies (whole or streamed) back."""

from __future__ import annotations

import io

import pytest

from orsync.smoke.bodies import Prompt, PromptError, build_body
from orsync.smoke.command import gather_inputs
from orsync.smoke.replies import StreamCollector, StreamFailed, read_reply

MODEL = "openai/gpt-4o-mini"


def test_chat_body_carries_every_option_in_its_dialect():
    prompt = Prompt(model=MODEL, models=("a/b", "c/d"), texts=("Reply with OK",), system="Be brief",
                    max_tokens=16, temperature=0.2, stream=True, provider_order=("openai", "azure"),
                    allow_fallbacks=False)
    assert build_body("chat", prompt) == {
        "model": MODEL, "models": ["a/b", "c/d"],
        "messages": [{"role": "system", "content": "Be brief"},
                     {"role": "user", "content": "Reply with OK"}],
        "max_tokens": 16, "temperature": 0.2,
        "provider": {"order": ["openai", "azure"], "allow_fallbacks": False}, "stream": True,
    }


def test_responses_and_messages_name_the_same_ideas_differently():
    prompt = Prompt(model=MODEL, texts=("hi",), system="sys", max_tokens=5)
    assert build_body("responses", prompt) == {
        "model": MODEL, "input": "hi", "instructions": "sys", "max_output_tokens": 5}
    assert build_body("messages", prompt) == {
        "model": MODEL, "messages": [{"role": "user", "content": "hi"}], "system": "sys", "max_tokens": 5}


def test_embeddings_take_one_string_or_a_list():
    one = build_body("embeddings", Prompt(model="m/e", texts=("a",), dimensions=256))
    assert one == {"model": "m/e", "input": "a", "dimensions": 256}
    assert build_body("embeddings", Prompt(model="m/e", texts=("a", "b")))["input"] == ["a", "b"]


def test_rerank_body():
    body = build_body("rerank", Prompt(model="c/r", query="q", texts=("d1", "d2"), top_n=1))
    assert body == {"model": "c/r", "query": "q", "documents": ["d1", "d2"], "top_n": 1}


@pytest.mark.parametrize(("endpoint", "prompt", "message"), [
    ("chat", Prompt(texts=("x",)), "needs --model"),
    ("chat", Prompt(model=MODEL), "needs input text"),
    ("chat", Prompt(model=MODEL, texts=("   ",)), "needs input text"),
    ("embeddings", Prompt(model=MODEL, texts=("x",), stream=True), "--stream does not apply to embeddings"),
    ("embeddings", Prompt(model=MODEL, models=("a/b",), texts=("x",)), "--models does not apply"),
    ("chat", Prompt(model=MODEL, texts=("x",), dimensions=3), "--dimensions does not apply to chat"),
    ("rerank", Prompt(model=MODEL, texts=("x",)), "rerank needs --query"),
    ("rerank", Prompt(model=MODEL, query="q"), "needs documents to rank"),
    ("chat", Prompt(model=MODEL, texts=("x",), top_n=2), "--top-n does not apply"),
    ("images", Prompt(model=MODEL, texts=("x",)), "unknown endpoint"),
])
def test_options_an_endpoint_lacks_are_refused(endpoint, prompt, message):
    with pytest.raises(PromptError, match=message):
        build_body(endpoint, prompt)


class FakeStdin(io.StringIO):
    def __init__(self, text: str, tty: bool = False) -> None:
        super().__init__(text)
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


def test_inputs_come_from_arguments_or_stdin():
    assert gather_inputs(("Say", "hi"), FakeStdin("ignored"), one_per_line=False) == ("Say hi",)
    assert gather_inputs((), FakeStdin("from\nstdin\n"), one_per_line=False) == ("from\nstdin\n",)
    assert gather_inputs(("-",), FakeStdin("doc one\n\ndoc two\n"), one_per_line=True) == ("doc one", "doc two")
    assert gather_inputs(("a", "b"), FakeStdin(""), one_per_line=True) == ("a", "b")
    # An interactive terminal is never read without "-": no command hangs waiting for input.
    assert gather_inputs((), FakeStdin("typed", tty=True), one_per_line=False) == ()


CHAT_BODY = {
    "id": "gen-1", "model": MODEL, "provider": "OpenAI",
    "choices": [{"message": {"role": "assistant", "content": "OK"}}],
    "usage": {"prompt_tokens": 10, "completion_tokens": 2, "total_tokens": 12, "cost": 0.00002},
}


def test_reading_a_chat_reply():
    reply = read_reply("chat", CHAT_BODY)
    assert (reply.text, reply.model, reply.provider) == ("OK", MODEL, "OpenAI")
    assert (reply.input_tokens, reply.output_tokens, reply.cost, reply.generation_id) == (10, 2, 0.00002, "gen-1")


def test_reading_replies_of_the_other_endpoints():
    responses = {"model": MODEL, "output": [
        {"type": "reasoning", "content": []},
        {"type": "message", "content": [{"type": "output_text", "text": "Hello"}]}],
        "usage": {"input_tokens": 3, "output_tokens": 1},
        "openrouter_metadata": {"endpoints": {"available": [
            {"provider": "Azure", "selected": False}, {"provider": "OpenAI", "selected": True}]}}}
    reply = read_reply("responses", responses)
    assert (reply.text, reply.provider, reply.input_tokens, reply.output_tokens) == ("Hello", "OpenAI", 3, 1)

    messages = {"content": [{"type": "text", "text": "Hi "}, {"type": "tool_use"}, {"type": "text", "text": "there"}]}
    assert read_reply("messages", messages).text == "Hi there"

    embeddings = {"data": [{"embedding": [0.1, 0.2, 0.3]}, {"embedding": [0.4, 0.5, 0.6]}],
                  "usage": {"prompt_tokens": 4, "total_tokens": 4}}
    reply = read_reply("embeddings", embeddings)
    assert reply.text == "2 vectors x 3 dimensions" and reply.input_tokens == 4

    rerank = {"results": [{"index": 1, "relevance_score": 0.9}, {"index": 0, "relevance_score": 0.1}],
              "usage": {"total_tokens": 7, "search_units": 1, "cost": 0.002}}
    reply = read_reply("rerank", rerank, documents=["Berlin", "Paris"])
    assert reply.text == "1. 0.900  [1] Paris\n2. 0.100  [0] Berlin"
    assert (reply.input_tokens, reply.cost) == (7, 0.002)


def collect(endpoint: str, events: list[dict]) -> tuple[list[str], StreamCollector]:
    collector = StreamCollector(endpoint)
    return [collector.feed(event) for event in events], collector


def test_a_chat_stream_hands_out_text_as_it_comes_and_keeps_the_final_usage():
    events = [
        {"id": "gen-2", "model": MODEL, "provider": "OpenAI", "choices": [{"delta": {"role": "assistant", "content": ""}}]},
        {"id": "gen-2", "model": MODEL, "choices": [{"delta": {"content": "O"}}]},
        {"id": "gen-2", "model": MODEL, "choices": [{"delta": {"content": "K"}}]},
        {"id": "gen-2", "model": MODEL, "choices": [{"delta": {}, "finish_reason": "stop"}],
         "usage": {"prompt_tokens": 9, "completion_tokens": 1, "cost": 0.00001}},
    ]
    pieces, collector = collect("chat", events)
    assert pieces == ["", "O", "K", ""]
    reply = collector.reply()
    assert (reply.text, reply.provider, reply.input_tokens, reply.output_tokens, reply.cost) == (
        "OK", "OpenAI", 9, 1, 0.00001)


def test_responses_and_messages_streams():
    pieces, collector = collect("responses", [
        {"type": "response.created", "response": {"id": "resp-1", "model": MODEL}},
        {"type": "response.output_text.delta", "delta": "Hel"},
        {"type": "response.output_text.delta", "delta": "lo"},
        {"type": "response.completed", "response": {"id": "resp-1", "model": MODEL,
                                                    "usage": {"input_tokens": 5, "output_tokens": 2, "cost": 0.1}}},
    ])
    assert pieces == ["", "Hel", "lo", ""]
    assert (collector.reply().text, collector.reply().cost) == ("Hello", 0.1)

    pieces, collector = collect("messages", [
        {"type": "message_start", "message": {"id": "msg-1", "model": MODEL, "usage": {"input_tokens": 7, "output_tokens": 0}}},
        {"type": "ping"},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hi"}},
        {"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 3}},
        {"type": "message_stop"},
    ])
    reply = collector.reply()
    assert (reply.text, reply.input_tokens, reply.output_tokens, reply.generation_id) == ("Hi", 7, 3, "msg-1")


@pytest.mark.parametrize(("endpoint", "event", "status"), [
    ("chat", {"choices": [], "error": {"code": 502, "message": "provider died"}}, 502),
    ("responses", {"type": "error", "code": "server_error", "message": "provider died"}, None),
    ("messages", {"type": "error", "error": {"type": "overloaded_error", "message": "provider died"}}, None),
])
def test_an_error_inside_a_stream_is_raised(endpoint, event, status):
    with pytest.raises(StreamFailed, match="provider died") as failed:
        StreamCollector(endpoint).feed(event)
    assert failed.value.status == status
