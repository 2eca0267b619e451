/// Segment partitions (docs/method.md section 2): `whole` here; the chain partitions
/// (`cutpoints`, `fixed`, `everyTokens`) in SegmentPartition+Chain.swift, newline steps
/// and the starts-to-boundaries rule in SegmentPartition+Newline.swift.
public enum SegmentPartition {
    /// The boundaries and token mask of a response of `responseLength` tokens (R ≥ 1)
    /// cut as one segment: boundaries [0, R], every token trained on (mask all 1; the
    /// probability mask, when a method has it, is applied by the optimizer).
    public static func whole(responseLength: Int) -> (boundaries: [Int32], tokenMask: [UInt8]) {
        precondition(responseLength >= 1, "a response to partition has at least one token, found \(responseLength)")
        return ([0, Int32(responseLength)], [UInt8](repeating: 1, count: responseLength))
    }
}
