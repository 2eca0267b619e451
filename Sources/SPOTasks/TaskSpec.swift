/// A task described in JSON: where its problems come from, how questions are prompted and
/// how answers are rewarded.
///
///     {"kind": "arithmetic", "config": "configs/tasks/arithmetic.json"}
///     {"kind": "gsm8k_jsonl", "train": "data/gsm8k/train.jsonl", "test": "data/gsm8k/test.jsonl"}
///     {"kind": "math_jsonl", "train": "data/math/train.jsonl", "test": "data/math/test.jsonl",
///      "prompt_template": "[MATH_TASK] Problem:\n{question}\n\nSolution:", "reward": "boxed"}
///
/// `prompt_template` defaults to `PromptTemplate.mathTask`; `reward` defaults to
/// `"boxed"` for `math_jsonl` and `"gsm8k"` otherwise. Relative paths are resolved against
/// the directory given to `load` (the repository root, usually). A key that the kind
/// does not use is an error, so a misspelt key cannot be silently ignored.
public struct TaskSpec: Codable, Equatable, Sendable {
    /// Where the problems come from.
    public enum Source: Equatable, Sendable {
        /// The built-in generator, configured by an `ArithmeticTaskConfig` file.
        case arithmetic(config: String)
        /// GSM8K-format JSONL files (see `DatasetLoader.gsm8kJSONL`).
        case gsm8kJSONL(train: String, test: String)
        /// MATH-format JSONL files (see `DatasetLoader.mathJSONL`).
        case mathJSONL(train: String, test: String)

        /// The `kind` value naming this source in JSON.
        public var kind: String {
            switch self {
            case .arithmetic: "arithmetic"
            case .gsm8kJSONL: "gsm8k_jsonl"
            case .mathJSONL: "math_jsonl"
            }
        }

        /// The reward a source uses when the spec names none.
        var defaultReward: RewardKind {
            switch self {
            case .mathJSONL: .boxed
            case .arithmetic, .gsm8kJSONL: .gsm8k
            }
        }
    }

    /// The valid `kind` values.
    public static let kinds = ["arithmetic", "gsm8k_jsonl", "math_jsonl"]

    /// Where the problems come from.
    public var source: Source
    /// How a question becomes a prompt.
    public var promptTemplate: PromptTemplate
    /// How a response is scored.
    public var reward: RewardKind

    /// Creates a spec; the defaults are those of the JSON form.
    public init(source: Source, promptTemplate: PromptTemplate = .mathTask, reward: RewardKind? = nil) {
        self.source = source
        self.promptTemplate = promptTemplate
        self.reward = reward ?? source.defaultReward
    }

    /// The reward of `response` against `gold` under this task's `reward`.
    public func reward(response: String, gold: String, truncated: Bool) -> Double {
        reward.reward(response: response, gold: gold, truncated: truncated)
    }
}
