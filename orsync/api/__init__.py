"""The OpenRouter client, all of it: `client.OpenRouterClient` (the endpoint table), the HTTP
engine, paging, retries, typed errors and the response models."""
