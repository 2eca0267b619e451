/// A segmented rollout with value estimates at its boundaries (type 4, valued_rollout).
///
/// Wire body: segmented (segmented_rollout body map), boundary_values (f32 [S+1]:
/// V̂(prefix up to b_k), estimated by Monte Carlo rollouts or tree leaves; or f32 [0] when
/// the method uses no values, as GRPO), rollout_counts (i32, same length: rollouts behind
/// each estimate, 0 where none), tokens_spent (int ≥ 0: tokens generated to estimate them),
/// token_values (f32 [R], optional: a critic's V(s_t) for every response position
/// t = 0..<R, s_t being the state before response token t; encoded only when present).
public struct ValuedRollout: Sendable, Equatable, WireBody {
    /// The segmented rollout valued.
    public let segmented: SegmentedRollout
    /// V̂ at each boundary, f32 [S+1], or f32 [0] for none.
    public let boundaryValues: NumericArray
    /// Rollouts behind each estimate, i32, same length as `boundaryValues`.
    public let rolloutCounts: NumericArray
    /// Tokens generated to make the estimates.
    public let tokensSpent: Int
    /// V(s_t) of a critic at every response position, f32 [R]; nil when the value kind
    /// has no critic.
    public let tokenValues: NumericArray?

    /// Checks the arrays are empty or have one entry per boundary, counts ≥ 0, and
    /// `tokenValues`, when given, has one entry per response token.
    public init(
        segmented: SegmentedRollout, boundaryValues: NumericArray, rolloutCounts: NumericArray, tokensSpent: Int,
        tokenValues: NumericArray? = nil
    ) throws(WireValidationError) {
        try boundaryValues.requireVector(.f32, field: "boundary_values")
        let count = boundaryValues.elementCount
        guard count == 0 || count == segmented.boundaries.elementCount else {
            throw WireValidationError(
                field: "boundary_values",
                problem: "\(count) elements, expected 0 or \(segmented.boundaries.elementCount) (one per boundary)")
        }
        try rolloutCounts.requireVector(.i32, count: count, field: "rollout_counts", meaning: " (one per boundary value)")
        if let bad = rolloutCounts.int32Values.first(where: { $0 < 0 }) {
            throw WireValidationError(field: "rollout_counts", problem: "\(bad) is negative")
        }
        try WireCheck.nonNegative(tokensSpent, "tokens_spent")
        try tokenValues?.requireVector(
            .f32, count: segmented.rollout.responseLength, field: "token_values", meaning: " (one per response token)")
        self.segmented = segmented
        self.boundaryValues = boundaryValues
        self.rolloutCounts = rolloutCounts
        self.tokensSpent = tokensSpent
        self.tokenValues = tokenValues
    }

    /// `segmented` with no values (the `none` kind's output).
    public static func unvalued(_ segmented: SegmentedRollout) -> ValuedRollout {
        try! ValuedRollout(segmented: segmented, boundaryValues: [Float](), rolloutCounts: [Int32](), tokensSpent: 0)
    }

    /// The same from Swift arrays.
    public init(
        segmented: SegmentedRollout, boundaryValues: [Float], rolloutCounts: [Int32], tokensSpent: Int,
        tokenValues: [Float]? = nil
    ) throws(WireValidationError) {
        try self.init(
            segmented: segmented, boundaryValues: NumericArray(boundaryValues),
            rolloutCounts: NumericArray(rolloutCounts), tokensSpent: tokensSpent,
            tokenValues: tokenValues.map { NumericArray($0) })
    }

    init(fields: WireFields) throws(WireValidationError) {
        try self.init(
            segmented: SegmentedRollout.nested("segmented", in: fields),
            boundaryValues: fields.numericArray("boundary_values"),
            rolloutCounts: fields.numericArray("rollout_counts"), tokensSpent: fields.int("tokens_spent"),
            tokenValues: fields.optionalNumericArray("token_values"))
    }

    var wireMap: MessagePackMap {
        var map: MessagePackMap = [
            "segmented": .map(segmented.wireMap), "boundary_values": boundaryValues.messagePack,
            "rollout_counts": rolloutCounts.messagePack, "tokens_spent": .int(Int64(tokensSpent)),
        ]
        if let tokenValues { map["token_values"] = tokenValues.messagePack }
        return map
    }
}
