r"""The retransmission timer of one flight (RFC 6347 §4.2.4), as its own small object.

                      +-----------+
                      | PREPARING |
                +---> |           | <--------------------+
                |     |           |                      |
                |     +-----------+                      |
                |           |                            |
                |           | Buffer next flight         |
                |           |                            |
                |          \|/                           |
                |     +-----------+                      |
                |     |           |                      |
                |     |  SENDING  |<------------------+  |
                |     |           |                   |  | Send
                |     +-----------+                   |  | HelloRequest
        Receive |           |                         |  |
           next |           | Send flight             |  | or
         flight |  +--------+                         |  |
                |  |        | Set retransmit timer    |  | Receive
                |  |       \|/                        |  | HelloRequest
                |  |  +-----------+                   |  | Send
                |  |  |           |                   |  | ClientHello
                +--)--|  WAITING  |-------------------+  |
                |  |  |           |   Timer expires   |  |
                |  |  +-----------+                   |  |
                |  |         |                        |  |
                |  |         |                        |  |
                |  |         +------------------------+  |
                |  |                Read retransmit      |
        Receive |  |                                     |
           last |  |                                     |
         flight |  |                                     |
                |  |                                     |
               \|/\|/                                    |
                                                         |
            +-----------+                                |
            |           |                                |
            | FINISHED  | -------------------------------+
            |           |
            +-----------+

Times are plain non-wrapping milliseconds (the Context unwraps the board tick counter).
PREPARING and SENDING are instants in a sans-IO engine (the engine builds the flight and emits
its datagrams in one call), so this object tracks WAITING (a deadline) versus FINISHED (none):
the engine reads `deadline` to know when the timer expires, and sets it to None to finish.
The timeout starts at `initial_ms` (RFC 6347: 1 s; RFC 7925 §11 suggests 9 s for constrained
networks), doubles on each expiry up to `max_ms`, and resets for each new flight. After
`max_retransmits` expiries the handshake has failed.
"""


class FlightTimer:
    def __init__(self, initial_ms, max_ms, max_retransmits):
        self.initial_ms = initial_ms
        self.max_ms = max_ms
        self.max_retransmits = max_retransmits
        self.timeout_ms = initial_ms
        self.retransmits = 0
        self.deadline = None     # None: FINISHED (nothing to retransmit on a timer)

    def start(self, now_ms):
        """A new flight was sent: WAITING with the initial timeout."""
        self.timeout_ms = self.initial_ms
        self.retransmits = 0
        self.deadline = now_ms + self.timeout_ms

    def rearm(self, now_ms):
        """The flight was sent again, or only now (RFC 6347 §4.2.4: "resets the retransmit
        timer"): WAITING the current timeout from now_ms, unless FINISHED."""
        if self.deadline is not None:
            self.deadline = now_ms + self.timeout_ms

    def stop(self):
        """FINISHED: nothing is re-sent on the timer any more; a retransmission of the peer's
        flight still makes the engine re-send ours (RFC 6347 §4.2.4)."""
        self.deadline = None

    def back_off(self, now_ms):
        """The timer expired and the flight is about to be re-sent: double the timeout.

        Returns False when the retransmission budget is spent (the handshake failed)."""
        if self.retransmits >= self.max_retransmits:
            self.deadline = None
            return False
        self.retransmits += 1
        self.timeout_ms = min(2 * self.timeout_ms, self.max_ms)
        self.deadline = now_ms + self.timeout_ms
        return True
