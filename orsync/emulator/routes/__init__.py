"""The API's endpoints, one module per area; `dispatch` finds them and shapes their answers."""
