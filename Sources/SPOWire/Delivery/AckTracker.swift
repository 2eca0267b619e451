import Foundation

/// The messages sent but not yet acknowledged, with their re-send deadlines
/// (docs/protocol.md, "Delivery"). Pure bookkeeping: no sockets, time passed in.
///
/// A message is tracked when first sent (attempt 1, deadline = sent + `ackTimeout`).
/// When its deadline passes unacknowledged it is due: re-sent (attempt + 1, new deadline)
/// while attempts < `maxAttempts`, abandoned after that, so a dead consumer costs a
/// bounded number of re-sends and the caller decides what failure means.
public struct AckTracker: Sendable {
    /// One unacknowledged message.
    public struct Pending: Sendable, Equatable {
        /// Its id (the envelope's message_id).
        public let messageID: String
        /// The frames to send again, unchanged.
        public let frames: [Data]
        /// Sends so far, the first included.
        public fileprivate(set) var attempts: Int
        /// When it is due for re-sending.
        public fileprivate(set) var deadline: ContinuousClock.Instant
    }

    /// What `collectDue` found: messages to send again and messages given up on.
    public struct Due: Sendable, Equatable {
        /// Re-send these now (attempts and deadlines already advanced), oldest deadline first.
        public let resend: [Pending]
        /// Out of attempts and no longer tracked.
        public let abandoned: [Pending]
    }

    /// How long to wait for an ack before re-sending.
    public let ackTimeout: Duration
    /// Most sends of one message, the first included.
    public let maxAttempts: Int
    private var pending: [String: Pending] = [:]

    /// A tracker re-sending after `ackTimeout`, at most `maxAttempts` sends per message.
    public init(ackTimeout: Duration, maxAttempts: Int) {
        precondition(ackTimeout > .zero, "ackTimeout must be positive, got \(ackTimeout)")
        precondition(maxAttempts >= 1, "maxAttempts must be at least 1, got \(maxAttempts)")
        self.ackTimeout = ackTimeout
        self.maxAttempts = maxAttempts
    }

    /// The number of unacknowledged messages.
    public var pendingCount: Int { pending.count }

    /// The ids of unacknowledged messages, sorted.
    public var pendingIDs: [String] { pending.keys.sorted() }

    /// Starts tracking a message first sent at `now`. Tracking an id again restarts it.
    public mutating func track(messageID: String, frames: [Data], sentAt now: ContinuousClock.Instant) {
        pending[messageID] = Pending(messageID: messageID, frames: frames, attempts: 1, deadline: now + ackTimeout)
    }

    /// Stops tracking `messageIDs`; ids not tracked (already acknowledged, or another
    /// producer's) are ignored. Returns how many were tracked.
    @discardableResult
    public mutating func acknowledge(_ messageIDs: some Sequence<String>) -> Int {
        var count = 0
        for id in messageIDs where pending.removeValue(forKey: id) != nil { count += 1 }
        return count
    }

    /// Messages whose deadline is at or before `now`.
    public mutating func collectDue(at now: ContinuousClock.Instant) -> Due {
        let due = pending.values.filter { $0.deadline <= now }.sorted {
            ($0.deadline, $0.messageID) < ($1.deadline, $1.messageID)
        }
        var resend: [Pending] = []
        var abandoned: [Pending] = []
        for var message in due {
            if message.attempts >= maxAttempts {
                pending[message.messageID] = nil
                abandoned.append(message)
            } else {
                message.attempts += 1
                message.deadline = now + ackTimeout
                pending[message.messageID] = message
                resend.append(message)
            }
        }
        return Due(resend: resend, abandoned: abandoned)
    }
}
