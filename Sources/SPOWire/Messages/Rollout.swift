/// Why generation of a response ended.
public enum StopReason: String, Sendable, CaseIterable {
    /// The model produced the end-of-sequence token.
    case eos
    /// The response reached the maximum length.
    case length
    /// A stop sequence was produced.
    case stopSequence = "stop_sequence"
}

/// One sampled response to a prompt, scored (type 2, rollout).
///
/// Wire body: prompt_id (string), group_id (string: the G responses to one prompt in one
/// iteration share it), sample_index (int, 0..<G), prompt_tokens (i32 [P]),
/// response_tokens (i32 [R]), log_probs (f32 [R]: log π_old(token | prefix) of each
/// response token under the sampling policy at `temperature`), reward (float),
/// stop_reason ("eos" | "length" | "stop_sequence"), temperature (float ≥ 0), answer
/// (string, optional: the prompt's reference answer, for stages that score continuations
/// of the response, as the Monte Carlo value stage does), tree_path (i32 [d], optional:
/// for a leaf of a sampling tree, the child index at each level, root first) with
/// tree_leaves (int ≥ 1: the leaves of its tree, all sent as rollouts of its group).
/// The policy version that sampled it is the envelope's `policy_version`.
public struct Rollout: Sendable, Equatable, WireBody {
    /// The prompt answered.
    public let promptID: String
    /// Shared by the responses sampled for one prompt in one iteration.
    public let groupID: String
    /// Index of this response in its group.
    public let sampleIndex: Int
    /// Prompt token ids, i32 [P].
    public let promptTokens: NumericArray
    /// Response token ids, i32 [R].
    public let responseTokens: NumericArray
    /// Per-response-token log-probabilities under the sampling policy, f32 [R].
    public let logProbs: NumericArray
    /// The scalar reward of the whole response.
    public let reward: Double
    /// Why generation stopped.
    public let stopReason: StopReason
    /// Sampling temperature (0: greedy).
    public let temperature: Double
    /// The prompt's reference answer, when the producer sends it.
    public let answer: String?
    /// Where this response sits in its group's sampling tree (tree methods only).
    public let tree: TreePosition?

    /// Checks dtypes, ranks, that log_probs has one entry per response token, and ranges.
    public init(
        promptID: String, groupID: String, sampleIndex: Int, promptTokens: NumericArray,
        responseTokens: NumericArray, logProbs: NumericArray, reward: Double,
        stopReason: StopReason, temperature: Double, answer: String? = nil, tree: TreePosition? = nil
    ) throws(WireValidationError) {
        try WireCheck.nonEmpty(promptID, "prompt_id")
        try WireCheck.nonEmpty(groupID, "group_id")
        try WireCheck.nonNegative(sampleIndex, "sample_index")
        try promptTokens.requireVector(.i32, field: "prompt_tokens")
        try responseTokens.requireVector(.i32, field: "response_tokens")
        try logProbs.requireVector(.f32, count: responseTokens.elementCount, field: "log_probs",
                                   meaning: " (one per response token)")
        try WireCheck.finite(reward, "reward")
        guard temperature.isFinite, temperature >= 0 else {
            throw WireValidationError(field: "temperature", problem: "\(temperature), expected a finite value ≥ 0")
        }
        self.promptID = promptID
        self.groupID = groupID
        self.sampleIndex = sampleIndex
        self.promptTokens = promptTokens
        self.responseTokens = responseTokens
        self.logProbs = logProbs
        self.reward = reward
        self.stopReason = stopReason
        self.temperature = temperature
        self.answer = answer
        self.tree = tree
    }

    /// The same from Swift arrays.
    public init(
        promptID: String, groupID: String, sampleIndex: Int, promptTokens: [Int32],
        responseTokens: [Int32], logProbs: [Float], reward: Double, stopReason: StopReason,
        temperature: Double, answer: String? = nil, tree: TreePosition? = nil
    ) throws(WireValidationError) {
        try self.init(
            promptID: promptID, groupID: groupID, sampleIndex: sampleIndex,
            promptTokens: NumericArray(promptTokens), responseTokens: NumericArray(responseTokens),
            logProbs: NumericArray(logProbs), reward: reward, stopReason: stopReason,
            temperature: temperature, answer: answer, tree: tree)
    }

    /// R, the number of response tokens.
    public var responseLength: Int { responseTokens.elementCount }

    init(fields: WireFields) throws(WireValidationError) {
        let promptID = try fields.string("prompt_id"), groupID = try fields.string("group_id")
        let sampleIndex = try fields.int("sample_index")
        let promptTokens = try fields.numericArray("prompt_tokens")
        let responseTokens = try fields.numericArray("response_tokens")
        let logProbs = try fields.numericArray("log_probs"), reward = try fields.double("reward")
        let reason = try fields.string("stop_reason")
        guard let stopReason = StopReason(rawValue: reason) else {
            throw WireValidationError(field: "stop_reason", problem: "unknown value \"\(reason)\" (known: eos, length, stop_sequence)")
        }
        try self.init(
            promptID: promptID, groupID: groupID, sampleIndex: sampleIndex, promptTokens: promptTokens,
            responseTokens: responseTokens, logProbs: logProbs, reward: reward, stopReason: stopReason,
            temperature: fields.double("temperature"), answer: fields.optionalString("answer"),
            tree: TreePosition(fields: fields))
    }

    var wireMap: MessagePackMap {
        var map: MessagePackMap = [
            "prompt_id": .string(promptID), "group_id": .string(groupID),
            "sample_index": .int(Int64(sampleIndex)), "prompt_tokens": promptTokens.messagePack,
            "response_tokens": responseTokens.messagePack, "log_probs": logProbs.messagePack,
            "reward": .float(reward), "stop_reason": .string(stopReason.rawValue),
            "temperature": .float(temperature),
        ]
        if let answer { map["answer"] = .string(answer) }
        if let tree {
            map["tree_path"] = NumericArray(tree.path.map { Int32($0) }).messagePack
            map["tree_leaves"] = .int(Int64(tree.leaves))
        }
        return map
    }
}

/// A response's place in its sampling tree: its path (child index per level, root first,
/// ≥ 1 level) and how many leaves the tree has.
public struct TreePosition: Sendable, Equatable, Hashable {
    /// Child index at each level, each ≥ 0.
    public let path: [Int]
    /// Leaves of the tree (≥ 1).
    public let leaves: Int

    /// Checks the path is non-empty with indices ≥ 0, and leaves ≥ 1.
    public init(path: [Int], leaves: Int) throws(WireValidationError) {
        guard !path.isEmpty, path.allSatisfy({ $0 >= 0 }) else {
            throw WireValidationError(field: "tree_path", problem: "\(path), expected at least one child index, each ≥ 0")
        }
        guard leaves >= 1 else { throw WireValidationError(field: "tree_leaves", problem: "\(leaves), expected ≥ 1") }
        self.path = path
        self.leaves = leaves
    }

    /// Reads `tree_path` and `tree_leaves`: both or neither.
    init?(fields: WireFields) throws(WireValidationError) {
        let path = try fields.optionalNumericArray("tree_path"), leaves = try fields.optionalInt("tree_leaves")
        switch (path, leaves) {
        case (nil, nil): return nil
        case (let path?, let leaves?):
            try path.requireVector(.i32, field: "tree_path")
            try self.init(path: path.int32Values.map(Int.init), leaves: leaves)
        case (nil, _): throw WireValidationError(field: "tree_path", problem: "missing while tree_leaves is present")
        case (_, nil): throw WireValidationError(field: "tree_leaves", problem: "missing while tree_path is present")
        }
    }
}
