/// Makes message ids unique within a run: "<stage>.<replica>.<incarnation>.<sequence>".
///
/// The incarnation is random per process start, so a restarted replica never repeats an
/// id its previous life sent (acks and de-duplication depend on that).
public struct MessageIDGenerator: Sendable {
    /// "<stage>.<replica>.<incarnation>."
    public let prefix: String
    private var sequence = 0

    /// Ids for `stage` replica `replica`; `incarnation` defaults to 8 random hex digits.
    public init(stage: String, replica: Int, incarnation: String? = nil) {
        let incarnation = incarnation ?? String(UInt32.random(in: .min ... .max), radix: 16)
        prefix = "\(stage).\(replica).\(incarnation)."
    }

    /// The next id.
    public mutating func next() -> String {
        sequence += 1
        return prefix + String(sequence)
    }
}
