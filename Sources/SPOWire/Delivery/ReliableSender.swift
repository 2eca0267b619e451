import Foundation

/// Sends messages on one socket and re-sends those not acknowledged in time
/// (docs/protocol.md, "Delivery"): at-least-once delivery at the application level, since
/// a ZeroMQ send or close is no proof of delivery. Consumers de-duplicate by message id
/// (`RecentMessageIDs`). Use on the thread that owns the socket.
public final class ReliableSender {
    /// The socket sent on.
    public let socket: ZMQSocket
    /// The unacknowledged messages.
    public private(set) var tracker: AckTracker
    /// Called with the frames of every send and re-send, after libzmq took them.
    public var sendObserver: (([Data]) -> Void)?

    /// A sender on `socket` re-sending after `ackTimeout`, at most `maxAttempts` sends.
    public init(socket: ZMQSocket, ackTimeout: Duration, maxAttempts: Int) {
        self.socket = socket
        tracker = AckTracker(ackTimeout: ackTimeout, maxAttempts: maxAttempts)
    }

    /// The number of unacknowledged messages.
    public var pendingCount: Int { tracker.pendingCount }

    /// Sends `message` and tracks it until acknowledged.
    public func send(_ message: Message, now: ContinuousClock.Instant = .now) throws(ZMQError) {
        let frames = try socket.send(message)
        tracker.track(messageID: message.envelope.messageID, frames: frames, sentAt: now)
        sendObserver?(frames)
    }

    /// Applies an ack; returns how many of its ids were pending here (0 for other controls).
    @discardableResult
    public func handle(_ control: Control) -> Int {
        guard case .ack(let messageIDs) = control else { return 0 }
        return tracker.acknowledge(messageIDs)
    }

    /// Re-sends every message whose ack is overdue at `now`, and returns the ids given up
    /// on after `maxAttempts` sends (no longer tracked: the caller reports or fails).
    public func resendDue(now: ContinuousClock.Instant = .now) throws(ZMQError) -> [String] {
        let due = tracker.collectDue(at: now)
        for message in due.resend {
            try socket.send(frames: message.frames)
            sendObserver?(message.frames)
        }
        return due.abandoned.map(\.messageID)
    }
}
