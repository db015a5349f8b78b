"""Every write of the numbers app, by concern: search offers, orders, releases and renames."""

from .metering import number_days_record
from .orders import (
    CUSTOMER_ORDER_PREFIX,
    number_order,
    number_order_adopt_bandwidth_id,
    number_order_apply_notification,
    number_order_id_for,
    number_order_place,
    number_order_reconcile,
    orders_to_reconcile,
)
from .porting import number_port_complete, number_port_hold, number_port_release
from .release import number_release, number_update
from .search import MAX_SEARCH_RESULTS, number_search

__all__ = [
    "CUSTOMER_ORDER_PREFIX",
    "MAX_SEARCH_RESULTS",
    "number_days_record",
    "number_order",
    "number_order_adopt_bandwidth_id",
    "number_order_apply_notification",
    "number_order_id_for",
    "number_order_place",
    "number_order_reconcile",
    "number_port_complete",
    "number_port_hold",
    "number_port_release",
    "number_release",
    "number_search",
    "number_update",
    "orders_to_reconcile",
]
