import SPOWire

/// How a scored, segmented response becomes an optimizer's training sample
/// (docs/protocol.md, `training_sample`):
///
///     tokens        = prompt tokens (P) + response tokens (R)          [T = P + R]
///     loss_mask     = 0 × P, then the response's token mask
///     advantages    = 0 × P, then Â_t where the mask is 1, else 0
///     old_log_probs = 0 × P, then log π_old(y_t) where the mask is 1, else 0
///     old_values    = 0 × P, then V_old(s_t) where the mask is 1, else 0   (with value targets)
///     returns       = 0 × P, then G_t where the mask is 1, else 0          (with value targets)
public enum TrainingSampleLayout {
    /// The training sample of `rollout` with per-response-token `advantages` ([R]) and
    /// `tokenMask` ([R], 0/1), in `group` when given, with a critic's per-response-token
    /// old values and returns ([R] each) when given.
    public static func sample(
        rollout: Rollout, tokenMask: [UInt8], advantages: [Float], group: SampleGroup? = nil,
        valueTargets: (oldValues: [Float], returns: [Float])? = nil
    ) throws(WireValidationError) -> TrainingSample {
        let prompt = rollout.promptTokens.int32Values, response = rollout.responseTokens.int32Values
        let oldLogProbs = rollout.logProbs.floatValues
        precondition(tokenMask.count == response.count && advantages.count == response.count,
                     "training sample: \(response.count) response tokens, \(tokenMask.count) mask entries, \(advantages.count) advantages")
        let padding = [Float](repeating: 0, count: prompt.count)
        func masked(_ values: [Float]) -> [Float] { padding + zip(values, tokenMask).map { $1 == 1 ? $0 : 0 } }
        var targets: ValueTargets?
        if let valueTargets {
            precondition(valueTargets.oldValues.count == response.count && valueTargets.returns.count == response.count,
                         "training sample: \(response.count) response tokens, \(valueTargets.oldValues.count) old values, \(valueTargets.returns.count) returns")
            targets = try ValueTargets(oldValues: masked(valueTargets.oldValues), returns: masked(valueTargets.returns))
        }
        return try TrainingSample(
            tokens: prompt + response, promptLength: prompt.count,
            lossMask: [UInt8](repeating: 0, count: prompt.count) + tokenMask,
            advantages: masked(advantages), oldLogProbs: masked(oldLogProbs), group: group, valueTargets: targets)
    }
}
