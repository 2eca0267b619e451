/// Segment partitions (docs/method.md section 2). The partition stage runs kind `whole`
/// (the whole response is one segment, as GRPO, RLOO and PPO use); the chain partitions
/// (`cutpoints`, `fixed`, `everyTokens`) are in SegmentPartition+Chain.swift, ready for the
/// value stage's Monte Carlo rollouts.
public enum SegmentPartition {
    /// The boundaries and token mask of a response of `responseLength` tokens (R ≥ 1)
    /// cut as one segment: boundaries [0, R], every token trained on (mask all 1; the
    /// probability mask, when a method has it, is applied by the optimizer).
    public static func whole(responseLength: Int) -> (boundaries: [Int32], tokenMask: [UInt8]) {
        precondition(responseLength >= 1, "a response to partition has at least one token, found \(responseLength)")
        return ([0, Int32(responseLength)], [UInt8](repeating: 1, count: responseLength))
    }
}
