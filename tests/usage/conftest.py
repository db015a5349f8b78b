from ..messaging.conftest import _fast_messaging, _fresh_memos, text_in

__all__ = ["_fast_messaging", "_fresh_memos", "text_in"]
