"""``<Transfer>``: ring every target, bridge the first answer, report the outcome."""

from __future__ import annotations

import time
from dataclasses import dataclass

from bandwidth.emulator.bxml_interpreter import (
    BxmlInterpreter,
    CallbackFailed,
    CallEnded,
    ControlReplaced,
    InvalidBxml,
    TransferOutcome,
    TransferRequest,
    TransferTarget,
    parse_document,
)
from bandwidth.emulator.http import utc_now_iso
from bandwidth.emulator.voice.model import (
    E164,
    QUICK_REFUSAL_SECONDS,
    Call,
    FarEndAction,
    new_call_id,
    reserved_behaviour,
)
from bandwidth.emulator.voice.runner import CallRunner


@dataclass
class TransferLeg:
    target: TransferTarget
    call: Call
    decision: FarEndAction | None = None
    decide_at: float | None = None


class TransferSession:
    """One ``<Transfer>``: rings every target, bridges the first answer, reports the outcome."""

    def __init__(self, runner: CallRunner, request: TransferRequest) -> None:
        self.runner = runner
        self.store = runner.store
        self.config = runner.config
        self.request = request
        parent = runner.call
        self.caller_id = request.caller_id or parent.from_
        self.legs = [self._new_leg(target) for target in request.targets]

    def _new_leg(self, target: TransferTarget) -> TransferLeg:
        parent = self.runner.call
        now = utc_now_iso()
        call = Call(
            id=new_call_id(),
            direction="outbound",
            from_=self.caller_id,
            to=target.number,
            application_id=parent.application_id,
            state="initiated",
            enqueued_time=None,
            start_time=now,
            tag=target.tag if target.tag is not None else parent.tag,
            parent_call_id=parent.id,
            transfer_caller_id=self.caller_id,
            transfer_to=target.number,
            callback_timeout=parent.callback_timeout,
            credentials=parent.credentials,
            disconnect_hook=target.disconnect_hook,
        )
        self.store.add_call(call)
        self.store.note(call, "ringing", f"transfer from {parent.id}")
        leg = TransferLeg(target, call)
        behaviour = reserved_behaviour(target.number) if E164.match(target.number) else "answer"
        if behaviour in ("busy", "reject"):
            leg.decision, leg.decide_at = behaviour, self._after(QUICK_REFUSAL_SECONDS)
        elif behaviour == "answer":
            leg.decision, leg.decide_at = "answer", self._after(self.config.transfer_answer_delay)
        return leg

    def _after(self, seconds: float) -> float:
        return time.monotonic() + self.config.scaled(seconds)

    def run(self) -> TransferOutcome:
        try:
            answered = self._ring()
            if answered is None:
                return self._unanswered()
            return self._bridge(answered)
        except (CallEnded, ControlReplaced):
            for leg in self.legs:
                cause = "hangup" if leg.call.answered else "cancel"
                self.store.end_call(leg.call, cause)
            raise

    def _ring(self) -> TransferLeg | None:
        """Wait for the first leg to answer; refused legs end on the way."""
        deadline = self._after(self.request.call_timeout)
        parent = self.runner.call
        while True:
            with self.store.lock:
                self.runner.check()
                self._apply_sim_actions(parent)
                now = time.monotonic()
                due = [leg for leg in self._ringing() if leg.decide_at and leg.decide_at <= now]
            for leg in due:
                if leg.decision == "answer":
                    if self._answer(leg):
                        return leg
                else:
                    self.store.end_call(leg.call, "busy" if leg.decision == "busy" else "rejected")
            with self.store.lock:
                ringing = self._ringing()
                if not ringing:
                    return None
                now = time.monotonic()
                if now >= deadline:
                    for leg in ringing:
                        self.store.end_call(leg.call, "timeout")
                    return None
                upcoming = [leg.decide_at for leg in ringing if leg.decide_at] + [deadline]
                self.store.changed.wait(max(0.0, min(upcoming) - now))

    def _ringing(self) -> list[TransferLeg]:
        return [leg for leg in self.legs if not leg.call.ended and not leg.call.answered]

    def _apply_sim_actions(self, parent: Call) -> None:
        while parent.far_end_actions:
            action, number = parent.far_end_actions.popleft()
            ringing = [leg for leg in self._ringing() if number in (None, leg.target.number)]
            if not ringing:
                continue
            leg = ringing[0]
            if action == "no-answer":
                leg.decision, leg.decide_at = None, None
            else:
                leg.decision, leg.decide_at = action, time.monotonic()

    def _answer(self, leg: TransferLeg) -> bool:
        """The leg picks up: others stop ringing; its transferAnswer BXML plays to it."""
        for other in self._ringing():
            if other is not leg:
                self.store.end_call(other.call, "cancel")
        runner = CallRunner(self.store, leg.call)
        runner.mark_answered()
        runner.note("answered", "")
        hook = leg.target.answer_hook
        if hook is None:
            return True
        try:
            text, served_by = runner.fetch_bxml(hook, runner.event("transferAnswer"))
            BxmlInterpreter(runner).run(parse_document(text, served_by))
        except CallbackFailed as exc:
            self.store.end_call(leg.call, "callback-error", str(exc))
        except InvalidBxml as exc:
            self.store.end_call(leg.call, "invalid-bxml", str(exc))
        except (CallEnded, ControlReplaced):
            pass
        return not leg.call.ended

    def _bridge(self, leg: TransferLeg) -> TransferOutcome:
        self.runner.note("bridged", f"{leg.call.id} {leg.target.number}")
        self.store.note(leg.call, "bridged", self.runner.call.id)
        hangup_at = self._after(self.config.far_end_hangup_after)
        with self.store.lock:
            while not leg.call.ended:
                self.runner.check()
                remaining = hangup_at - time.monotonic()
                if remaining <= 0 or leg.call.far_end_hung_up:
                    break
                self.store.changed.wait(remaining)
        self.store.end_call(leg.call, "hangup")
        return self._outcome(leg)

    def _unanswered(self) -> TransferOutcome:
        return self._outcome(self.legs[-1])

    def _outcome(self, leg: TransferLeg) -> TransferOutcome:
        cause = leg.call.disconnect_cause or "hangup"
        return TransferOutcome(
            cause=cause,
            transfer_caller_id=self.caller_id,
            transfer_to=leg.target.number,
            error_message=leg.call.error_message,
            error_id=leg.call.error_id,
        )
