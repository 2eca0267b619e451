/// One sequence for the optimizer with per-token advantages (type 5, training_sample).
///
/// Wire body: tokens (i32 [T]: prompt then response), prompt_length (int, 0 ≤ P ≤ T),
/// loss_mask (u8 [T]: 1 where the loss applies, 0 elsewhere, prompt included),
/// advantages (f32 [T]: Â_t, 0 where masked), old_log_probs (f32 [T]: log π_old(token_t)),
/// reference_log_probs (f32 [T], optional: log π_ref(token_t) for the KL term), group_id
/// (str, optional: the prompt's group, `<prompt_id>@<iteration>`) and group_samples (int
/// ≥ 1, optional, with group_id: how many samples the producer sends for that group, so
/// the optimizer knows when an iteration is complete even when the count varies, as one
/// sample per tree edge does), old_values and returns (f32 [T], optional, both or neither:
/// a critic's V_old(s_t) and the regression target G_t at each response token, 0 over the
/// prompt; see `ValueTargets`). Optional keys are encoded only when present.
public struct TrainingSample: Sendable, Equatable, WireBody {
    /// Token ids, i32 [T].
    public let tokens: NumericArray
    /// P, the number of leading prompt tokens.
    public let promptLength: Int
    /// u8 [T], 0 or 1.
    public let lossMask: NumericArray
    /// f32 [T].
    public let advantages: NumericArray
    /// f32 [T], log-probs under the sampling policy.
    public let oldLogProbs: NumericArray
    /// f32 [T], log-probs under the reference policy, when the producer computed them.
    public let referenceLogProbs: NumericArray?
    /// The group this sample belongs to and the number of samples sent for it, when the
    /// producer says.
    public let group: SampleGroup?
    /// The critic's old values and returns, f32 [T] each, when the method trains a critic.
    public let valueTargets: ValueTargets?

    /// Checks dtypes and that every per-token array has T entries.
    public init(
        tokens: NumericArray, promptLength: Int, lossMask: NumericArray, advantages: NumericArray,
        oldLogProbs: NumericArray, referenceLogProbs: NumericArray? = nil, group: SampleGroup? = nil,
        valueTargets: ValueTargets? = nil
    ) throws(WireValidationError) {
        try tokens.requireVector(.i32, field: "tokens")
        let length = tokens.elementCount
        guard (0...length).contains(promptLength) else {
            throw WireValidationError(field: "prompt_length", problem: "\(promptLength), expected 0...\(length) (token count)")
        }
        let meaning = " (one per token)"
        try lossMask.requireVector(.u8, count: length, field: "loss_mask", meaning: meaning)
        if let bad = lossMask.uint8Values.firstIndex(where: { $0 > 1 }) {
            throw WireValidationError(field: "loss_mask", problem: "value \(lossMask.uint8Values[bad]) at \(bad), expected 0 or 1")
        }
        try advantages.requireVector(.f32, count: length, field: "advantages", meaning: meaning)
        try oldLogProbs.requireVector(.f32, count: length, field: "old_log_probs", meaning: meaning)
        try referenceLogProbs?.requireVector(.f32, count: length, field: "reference_log_probs", meaning: meaning)
        try valueTargets?.oldValues.requireVector(.f32, count: length, field: "old_values", meaning: meaning)
        self.tokens = tokens
        self.promptLength = promptLength
        self.lossMask = lossMask
        self.advantages = advantages
        self.oldLogProbs = oldLogProbs
        self.referenceLogProbs = referenceLogProbs
        self.group = group
        self.valueTargets = valueTargets
    }

    /// The same from Swift arrays.
    public init(
        tokens: [Int32], promptLength: Int, lossMask: [UInt8], advantages: [Float],
        oldLogProbs: [Float], referenceLogProbs: [Float]? = nil, group: SampleGroup? = nil,
        valueTargets: ValueTargets? = nil
    ) throws(WireValidationError) {
        try self.init(
            tokens: NumericArray(tokens), promptLength: promptLength, lossMask: NumericArray(lossMask),
            advantages: NumericArray(advantages), oldLogProbs: NumericArray(oldLogProbs),
            referenceLogProbs: referenceLogProbs.map { NumericArray($0) }, group: group, valueTargets: valueTargets)
    }

    init(fields: WireFields) throws(WireValidationError) {
        try self.init(
            tokens: fields.numericArray("tokens"), promptLength: fields.int("prompt_length"),
            lossMask: fields.numericArray("loss_mask"), advantages: fields.numericArray("advantages"),
            oldLogProbs: fields.numericArray("old_log_probs"),
            referenceLogProbs: fields.optionalNumericArray("reference_log_probs"),
            group: SampleGroup(fields: fields), valueTargets: ValueTargets(fields: fields))
    }

    var wireMap: MessagePackMap {
        var map: MessagePackMap = [
            "tokens": tokens.messagePack, "prompt_length": .int(Int64(promptLength)),
            "loss_mask": lossMask.messagePack, "advantages": advantages.messagePack,
            "old_log_probs": oldLogProbs.messagePack,
        ]
        if let referenceLogProbs { map["reference_log_probs"] = referenceLogProbs.messagePack }
        if let group {
            map["group_id"] = .string(group.id)
            map["group_samples"] = .int(Int64(group.samples))
        }
        if let valueTargets {
            map["old_values"] = valueTargets.oldValues.messagePack
            map["returns"] = valueTargets.returns.messagePack
        }
        return map
    }
}

/// A training sample's group: the prompt's `group_id` and how many samples its producer
/// sends for that group (≥ 1).
public struct SampleGroup: Sendable, Equatable, Hashable {
    /// `<prompt_id>@<iteration>`.
    public let id: String
    /// Samples sent for the group.
    public let samples: Int

    /// Checks the id is non-empty and the count ≥ 1.
    public init(id: String, samples: Int) throws(WireValidationError) {
        try WireCheck.nonEmpty(id, "group_id")
        guard samples >= 1 else {
            throw WireValidationError(field: "group_samples", problem: "\(samples), expected ≥ 1")
        }
        self.id = id
        self.samples = samples
    }

    /// Reads `group_id` and `group_samples`: both or neither.
    init?(fields: WireFields) throws(WireValidationError) {
        let id = try fields.optionalString("group_id"), samples = try fields.optionalInt("group_samples")
        switch (id, samples) {
        case (nil, nil): return nil
        case (let id?, let samples?): try self.init(id: id, samples: samples)
        case (nil, _): throw WireValidationError(field: "group_id", problem: "missing while group_samples is present")
        case (_, nil): throw WireValidationError(field: "group_samples", problem: "missing while group_id is present")
        }
    }
}
