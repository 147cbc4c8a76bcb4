"""Reading responses the way a client does, streamed or not."""

import json
from typing import Any


def body(response: Any) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def body_json(response: Any) -> Any:
    return json.loads(body(response))
