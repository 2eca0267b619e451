import SPOWire

/// When a stage may acknowledge the work it received (docs/protocol.md section 8).
///
/// A stage acknowledges an input only once it has processed it *and* every output it
/// made from it has been acknowledged downstream ("custody"): until then the input's
/// producer keeps it and re-sends it, so a stage that dies holding work, or whose output
/// libzmq loses, costs time but no rollout. Re-sent inputs arrive again:
///
/// - an id never seen (or forgotten) is `new`: process it;
/// - an id still open (processing, or outputs unacknowledged) is `inProgress`: ignore it,
///   its acknowledgement comes when the custody ends;
/// - an id already acknowledged is `completed`: acknowledge it again without processing
///   (the first ack may be what was lost).
///
/// Pure bookkeeping, no sockets. Each output has one parent input.
public struct CustodyLedger: Sendable {
    /// What a received input id is to this stage.
    public enum Arrival: Sendable, Equatable {
        /// Not seen before: process it.
        case new
        /// Open: being processed or waiting for its outputs' acks.
        case inProgress
        /// Acknowledged before: acknowledge again, do not process.
        case completed
    }

    private struct Entry: Sendable {
        var pendingOutputs = Set<String>()
        var closed = false
    }

    private var open: [String: Entry] = [:]
    private var parentOfOutput: [String: String] = [:]
    private var completed: RecentMessageIDs
    private var ready: [String] = []

    /// A ledger that remembers the last `memory` acknowledged inputs.
    public init(memory: Int = 1 << 16) {
        completed = RecentMessageIDs(capacity: memory)
    }

    /// Inputs received and not yet acknowledged.
    public var openCount: Int { open.count }

    /// Classifies an arriving input id, registering it as open when it is new.
    public mutating func arrive(_ inputID: String) -> Arrival {
        if open[inputID] != nil { return .inProgress }
        if completed.contains(inputID) { return .completed }
        open[inputID] = Entry()
        return .new
    }

    /// Records that `outputID` was sent, made from the open input `inputID`.
    public mutating func addOutput(_ outputID: String, to inputID: String) {
        precondition(open[inputID] != nil, "custody: output \(outputID) made from \(inputID), which is not open")
        open[inputID]!.pendingOutputs.insert(outputID)
        parentOfOutput[outputID] = inputID
    }

    /// Says no more outputs will be made from `inputID`; it is acknowledged once its
    /// outputs are (at once if it has none).
    public mutating func close(_ inputID: String) {
        guard var entry = open[inputID] else { return }
        entry.closed = true
        open[inputID] = entry
        settle(inputID)
    }

    /// Applies downstream acknowledgements of outputs; ids this stage did not send are
    /// ignored.
    public mutating func acknowledgeOutputs(_ outputIDs: some Sequence<String>) {
        for outputID in outputIDs {
            guard let inputID = parentOfOutput.removeValue(forKey: outputID) else { continue }
            open[inputID]?.pendingOutputs.remove(outputID)
            settle(inputID)
        }
    }

    /// The inputs now due an acknowledgement, oldest first; they count as completed.
    public mutating func takeAcknowledgeable() -> [String] {
        defer { ready.removeAll() }
        return ready
    }

    private mutating func settle(_ inputID: String) {
        guard let entry = open[inputID], entry.closed, entry.pendingOutputs.isEmpty else { return }
        open[inputID] = nil
        _ = completed.insert(inputID)
        ready.append(inputID)
    }
}
