/// The last `capacity` message ids seen, for dropping re-sent duplicates: with
/// at-least-once delivery a consumer can receive a message twice, and must process it
/// once (and ack it again, since the first ack may be what was lost).
public struct RecentMessageIDs: Sendable {
    /// Most ids remembered; the oldest is forgotten first.
    public let capacity: Int
    private var members = Set<String>()
    private var ring: [String] = []
    private var next = 0

    /// Remembers up to `capacity` ids.
    public init(capacity: Int) {
        precondition(capacity >= 1, "capacity must be at least 1, got \(capacity)")
        self.capacity = capacity
    }

    /// Whether `id` is remembered.
    public func contains(_ id: String) -> Bool { members.contains(id) }

    /// Remembers `id`; true if it was new, false for a duplicate.
    public mutating func insert(_ id: String) -> Bool {
        guard !members.contains(id) else { return false }
        if ring.count < capacity {
            ring.append(id)
        } else {
            members.remove(ring[next])
            ring[next] = id
            next = (next + 1) % capacity
        }
        members.insert(id)
        return true
    }
}
