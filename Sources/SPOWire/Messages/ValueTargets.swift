/// What a training sample carries for training a critic (PPO, docs/method.md section 6),
/// per token of the sample, f32 [T] each, 0 over the prompt:
///
///     old_values  V_old(s_t): the critic's values when the advantages were computed (the
///                 centre of the value clip)
///     returns     G_t = A_t + V_old(s_t): the value loss's regression target (GAE)
///
/// On the wire the keys `old_values` and `returns` of `training_sample`, both or neither.
public struct ValueTargets: Sendable, Equatable {
    /// V_old(s_t), f32 [T].
    public let oldValues: NumericArray
    /// G_t, f32 [T].
    public let returns: NumericArray

    /// Checks both are f32 vectors of one length (the sample checks that length is T).
    public init(oldValues: NumericArray, returns: NumericArray) throws(WireValidationError) {
        try oldValues.requireVector(.f32, field: "old_values")
        try returns.requireVector(
            .f32, count: oldValues.elementCount, field: "returns", meaning: " (one per old value)")
        self.oldValues = oldValues
        self.returns = returns
    }

    /// The same from Swift arrays.
    public init(oldValues: [Float], returns: [Float]) throws(WireValidationError) {
        try self.init(oldValues: NumericArray(oldValues), returns: NumericArray(returns))
    }

    /// Reads `old_values` and `returns`: both or neither.
    init?(fields: WireFields) throws(WireValidationError) {
        let old = try fields.optionalNumericArray("old_values"), returns = try fields.optionalNumericArray("returns")
        switch (old, returns) {
        case (nil, nil): return nil
        case (let old?, let returns?): try self.init(oldValues: old, returns: returns)
        case (nil, _): throw WireValidationError(field: "old_values", problem: "missing while returns is present")
        case (_, nil): throw WireValidationError(field: "returns", problem: "missing while old_values is present")
        }
    }
}
