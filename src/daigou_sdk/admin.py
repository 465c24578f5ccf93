"""The operator's client: ``Authorization: Bearer <admin token>`` on ``/admin/...`` (section 12)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, cast

from daigou_sdk import schemas as S
from daigou_sdk._base import BaseClient, drop_none

Json = dict[str, Any]


class AdminClient(BaseClient):
    """Developers, keys, wallets, reconciliation, messages and the sandbox's controls."""

    def __init__(self, base_url: str, admin_token: str, **kw: Any) -> None:
        super().__init__(base_url, **kw)
        self._token = admin_token

    def __enter__(self) -> AdminClient:
        return self

    def _headers(
        self,
        method: str,
        path: str,
        pairs: list[tuple[str, str]],
        body: bytes,
        user_id: str | None,
    ) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._token}"}

    # --- developers and keys (12.1-12.4) --------------------------------------------------------
    def create_developer(self, name: str, **fields: Any) -> S.DeveloperCreated:
        """12.1: the developer and its first key (the secret is shown once)."""
        return cast(
            S.DeveloperCreated, self.post_json("/admin/developer/create", {"name": name, **fields})
        )

    def update_developer(self, develop_id: str, **fields: Any) -> S.DeveloperOut:
        return cast(
            S.DeveloperOut,
            self.post_json("/admin/developer/update", {"developId": develop_id, **fields}),
        )

    def developers(self, page_size: int = 100, **filters: Any) -> Iterator[S.DeveloperOut]:
        return self.paginate("GET", "/admin/developer/list", filters, page_size)

    def add_key(self, develop_id: str, hmac_only: bool = False) -> S.KeyUpdated:
        body = {"developId": develop_id, "hmacOnly": hmac_only}
        return cast(S.KeyUpdated, self.post_json("/admin/key/update", body))

    def rotate_key(self, access_key: str, grace_seconds: int | None = None) -> S.KeyUpdated:
        body = {"accessKey": access_key, "rotate": True, **drop_none(graceSeconds=grace_seconds)}
        return cast(S.KeyUpdated, self.post_json("/admin/key/update", body))

    def update_key(self, access_key: str, **fields: Any) -> S.KeyUpdated:
        return cast(
            S.KeyUpdated, self.post_json("/admin/key/update", {"accessKey": access_key, **fields})
        )

    # --- wallets (12.5, 12.6) -------------------------------------------------------------------
    def topup(
        self, develop_id: str, amount: int, reference: str, **fields: Any
    ) -> S.EntryAndBalance:
        """A top-up in fen; a repeated ``reference`` returns the first entry (moves nothing)."""
        return self.adjust(develop_id, amount, reference, type="topup", **fields)

    def adjust(
        self, develop_id: str, amount: int, reference: str, type: str = "adjustment", **fields: Any
    ) -> S.EntryAndBalance:
        body = {
            "developId": develop_id,
            "type": type,
            "amount": amount,
            "reference": reference,
            **fields,
        }
        return cast(S.EntryAndBalance, self.post_json("/admin/wallet/adjust", body))

    def ledger(self, page_size: int = 100, **filters: Any) -> Iterator[S.AdminLedgerEntryOut]:
        """Ledger entries across developers (filter ``developId``), newest first."""
        return self.paginate("GET", "/admin/wallet/ledger", filters, page_size)

    # --- reconciliation (12.13, 12.14) ----------------------------------------------------------
    def unknown_operations(self, page_size: int = 100, **filters: Any) -> Iterator[S.OperationOut]:
        return self.paginate("GET", "/admin/reconcile/list", filters, page_size)

    def reconcile(self, operation_id: str) -> S.ReconcileRunOut:
        return cast(
            S.ReconcileRunOut, self.post_json("/admin/reconcile/run", {"operationId": operation_id})
        )

    def marketplace_calls(self, page_size: int = 100, **filters: Any) -> Iterator[S.CallOut]:
        """Every marketplace call attempt, newest first (filter ``key``, ``platform``,
        ``operation``, ``outcome``)."""
        return self.paginate("GET", "/admin/marketplace/calls", filters, page_size)

    # --- messages and callbacks -----------------------------------------------------------------
    def vouchers(self, page_size: int = 100, **filters: Any) -> Iterator[S.VoucherItemOut]:
        """12.7 (filters: reviewStatus, developId, createStartTime, createEndTime)."""
        return self.paginate("GET", "/admin/finance/voucher/list", filters, page_size)

    def review_voucher(self, voucher_id: str, decision: str, **fields: Any) -> S.VoucherReviewOut:
        """12.8: approve with ``receivedAmount=``, or reject with ``reason=``."""
        body = {"voucherId": voucher_id, "decision": decision, **fields}
        return cast(S.VoucherReviewOut, self.post_json("/admin/finance/voucher/review", body))

    def messages(self, page_size: int = 100, **filters: Any) -> Iterator[S.AdminMessageOut]:
        return self.paginate("GET", "/admin/message/list", filters, page_size)

    def callbacks(self, page_size: int = 100, **filters: Any) -> Iterator[S.AdminCallbackOut]:
        return self.paginate("GET", "/admin/callback/list", filters, page_size)

    # --- exchange rates (ours) ------------------------------------------------------------------
    def set_exchange_rate(
        self, from_ccy: str, to_ccy: str, rate: str, **fields: Any
    ) -> S.RateRecordOut:
        """A pair's display rate, as a decimal string ("0.1389"; ``fields``: source, remark)."""
        body = {"from": from_ccy, "to": to_ccy, "rate": rate, **fields}
        return cast(S.RateRecordOut, self.post_json("/admin/exchange/rate/set", body))

    def exchange_rate_history(
        self, page_size: int = 100, **filters: Any
    ) -> Iterator[S.RateRecordOut]:
        """Every rate set, newest first (filters: ``from``, ``to``; pass them as
        ``**{"from": "CNY"}``)."""
        return self.paginate("GET", "/admin/exchange/rate/history", filters, page_size)

    # --- the sandbox marketplace (12.15-12.22) --------------------------------------------------
    def sandbox_advance_clock(
        self, seconds: int | None = None, to: int | None = None
    ) -> S.ClockAdvanced:
        return cast(
            S.ClockAdvanced,
            self.post_json("/admin/sandbox/clock/advance", drop_none(seconds=seconds, to=to)),
        )

    def sandbox_ship(
        self, order_id: str, platform: int = 1, **fields: Any
    ) -> S.MarketOrder1688 | S.TaobaoMarketOrder:
        body = {"platform": platform, "orderId": order_id, **fields}
        return cast(
            "S.MarketOrder1688 | S.TaobaoMarketOrder",
            self.post_json("/admin/sandbox/order/ship", body),
        )

    def sandbox_modify_price(
        self, order_id: str, platform: int = 1, **fields: Any
    ) -> S.MarketOrder1688 | S.TaobaoMarketOrder:
        body = {"platform": platform, "orderId": order_id, **fields}
        return cast(
            "S.MarketOrder1688 | S.TaobaoMarketOrder",
            self.post_json("/admin/sandbox/order/price/modify", body),
        )

    def sandbox_close_order(
        self, order_id: str, platform: int = 1, **fields: Any
    ) -> S.MarketOrder1688 | S.TaobaoMarketOrder:
        body = {"platform": platform, "orderId": order_id, **fields}
        return cast(
            "S.MarketOrder1688 | S.TaobaoMarketOrder",
            self.post_json("/admin/sandbox/order/close", body),
        )

    def sandbox_refund_act(
        self, refund_id: str, action: str, platform: int = 1, **fields: Any
    ) -> S.MarketRefund1688 | S.TaobaoRefundOut:
        body = {"platform": platform, "refundId": refund_id, "action": action, **fields}
        return cast(
            "S.MarketRefund1688 | S.TaobaoRefundOut",
            self.post_json("/admin/sandbox/refund/act", body),
        )

    def create_warehouse(
        self, warehouse_code: str, name: str, **fields: Any
    ) -> S.WarehouseAdminOut:
        """A consolidation warehouse (ours): ``fields``: districtCode, address, contact, mobile,
        phone, postCode, serviceCountries."""
        body = {"warehouseCode": warehouse_code, "name": name, **fields}
        return cast(S.WarehouseAdminOut, self.post_json("/admin/warehouse/create", body))

    # --- the warehouse's operator side (12.9-12.12) ---------------------------------------------
    def warehouse_scan(
        self, warehouse_code: str, tracking_no: str, **fields: Any
    ) -> S.ScannedParcel:
        """12.9: receive a parcel; ``fields``: weight (g), length, width, height (mm), markCode,
        logisticCompanyName, photos. ``matched`` False: held unclaimed."""
        body = {"warehouseCode": warehouse_code, "trackingNo": tracking_no, **fields}
        return cast(S.ScannedParcel, self.post_json("/admin/warehouse/inbound/scan", body))

    def warehouse_pack(
        self,
        logistics_order_id: str,
        parcel_ids: Sequence[str],
        package: dict[str, int],
        final_freight: int | None = None,
    ) -> S.LogisticsOrderOut:
        """12.10: pack and settle the freight; ``package``: weight, length, width, height."""
        body: dict[str, Any] = {
            "logisticsOrderId": logistics_order_id,
            "parcelIds": list(parcel_ids),
            "package": package,
        }
        if final_freight is not None:
            body["finalFreight"] = final_freight
        return cast(S.LogisticsOrderOut, self.post_json("/admin/warehouse/pack", body))

    def warehouse_ship(
        self, logistics_order_id: str, carrier_name: str, international_tracking_no: str
    ) -> S.LogisticsOrderOut:
        """12.11: hand a packed order to the international carrier."""
        body = {
            "logisticsOrderId": logistics_order_id,
            "carrierName": carrier_name,
            "internationalTrackingNo": international_tracking_no,
        }
        return cast(S.LogisticsOrderOut, self.post_json("/admin/warehouse/ship", body))

    def warehouse_track(
        self, logistics_order_id: str, status: str, **fields: Any
    ) -> S.LogisticsOrderOut:
        """12.12: a tracking step (in_transit, delivered, exception, exception_cleared);
        ``fields``: remark, time (ms)."""
        body = {"logisticsOrderId": logistics_order_id, "status": status, **fields}
        return cast(S.LogisticsOrderOut, self.post_json("/admin/warehouse/track", body))

    def sandbox_update_product(
        self, item_id: str, platform: int = 1, **fields: Any
    ) -> S.TaobaoItem | S.Offer1688:
        body = {"platform": platform, "itemId": item_id, **fields}
        return cast(
            "S.TaobaoItem | S.Offer1688", self.post_json("/admin/sandbox/product/update", body)
        )

    def sandbox_inject_fault(self, operation: str, mode: str, **fields: Any) -> S.FaultInjected:
        body = {"operation": operation, "mode": mode, **fields}
        return cast(S.FaultInjected, self.post_json("/admin/sandbox/fault/inject", body))

    def sandbox_clear_faults(self, fault_ids: Sequence[str] | None = None) -> S.FaultCleared:
        body = drop_none(faultIds=list(fault_ids) if fault_ids is not None else None)
        return cast(S.FaultCleared, self.post_json("/admin/sandbox/fault/clear", body))
