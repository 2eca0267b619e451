import SPOWire

/// Gathers the messages of a group (the responses to one prompt in one iteration, or the
/// leaves of one sampling tree) until all `size` of them are in, for stages whose work
/// is per group (advantage; value for trees).
///
/// Re-issued work is recognised: a second message for a slot already held, any message
/// of a group already handed on, an index outside the group, or a message of an
/// iteration the driver has moved past is refused (the caller acknowledges and drops
/// it). `dropPast` gives back the incomplete groups of finished iterations.
struct GroupGathering {
    private var gathering: [String: [Int: Message]] = [:]
    private var handedOn = RecentMessageIDs(capacity: 1 << 16)

    /// What `add` did with a message.
    enum Outcome {
        /// Kept; the group is not complete yet.
        case kept
        /// The group is complete: its messages ordered by index 0..<size.
        case complete([Message])
        /// Refused, with the reason.
        case refused(String)
    }

    /// Adds `message`, slot `index` of `group` of `size` messages.
    mutating func add(_ message: Message, group: String, index: Int, size: Int, driverIteration: Int) -> Outcome {
        if handedOn.contains(group) { return .refused("group \(group) was already handed on") }
        if message.envelope.iteration < driverIteration {
            return .refused("iteration \(message.envelope.iteration) is past (the driver is at \(driverIteration))")
        }
        guard (0..<size).contains(index) else { return .refused("index \(index) is outside group \(group) of \(size)") }
        if gathering[group]?[index] != nil { return .refused("group \(group) already holds index \(index)") }
        gathering[group, default: [:]][index] = message
        guard let members = gathering[group], members.count == size else { return .kept }
        gathering[group] = nil
        _ = handedOn.insert(group)
        return .complete((0..<size).map { members[$0]! })
    }

    /// Removes and returns the incomplete groups holding a message of an iteration before
    /// `driverIteration`.
    mutating func dropPast(driverIteration: Int) -> [(group: String, messages: [Message])] {
        var dropped: [(group: String, messages: [Message])] = []
        for (group, members) in gathering where members.values.contains(where: { $0.envelope.iteration < driverIteration }) {
            gathering[group] = nil
            dropped.append((group, Array(members.values)))
        }
        return dropped
    }
}
