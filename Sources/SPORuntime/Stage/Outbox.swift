import SPOWire

/// A work queue's sending side: `ReliableSender` (re-send until acknowledged) plus a
/// queue of messages not yet handed to libzmq because the socket was mute (no peer
/// connected, or high-water mark reached); those are retried in order by `flush`, so a
/// send never blocks the stage loop for longer than the socket's send timeout.
final class Outbox {
    let sender: ReliableSender
    private var unsent: [Message] = []

    init(socket: ZMQSocket, ackTimeout: Duration, maxAttempts: Int) {
        sender = ReliableSender(socket: socket, ackTimeout: ackTimeout, maxAttempts: maxAttempts)
    }

    /// Messages sent and unacknowledged, plus those not sent yet.
    var pendingCount: Int { sender.pendingCount + unsent.count }

    /// Sends `message` now, or queues it behind earlier unsent ones.
    func send(_ message: Message) throws(ZMQError) {
        if unsent.isEmpty, try trySend(message) { return }
        unsent.append(message)
    }

    /// Applies an acknowledgement.
    func acknowledge(_ control: Control) {
        sender.handle(control)
    }

    /// Sends what waits, re-sends what is overdue, and returns the ids given up on.
    func flush(now: ContinuousClock.Instant = .now) throws(ZMQError) -> [String] {
        while let first = unsent.first, try trySend(first) { unsent.removeFirst() }
        do {
            return try sender.resendDue(now: now)
        } catch where error.isTimeout {
            return []
        }
    }

    /// Re-sends every unacknowledged message now (after a consumer restarted).
    func resendAll() throws(ZMQError) -> [String] {
        try flush(now: .now + sender.tracker.ackTimeout)
    }

    private func trySend(_ message: Message) throws(ZMQError) -> Bool {
        do {
            try sender.send(message)
            return true
        } catch where error.isTimeout {
            return false
        }
    }
}
