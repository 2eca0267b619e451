/// How trajectories are sampled each iteration (method.md sections 3 and 7). Monte Carlo
/// value rollouts use the same sampler.
public struct SamplingSettings: Sendable, Equatable, Codable {
    /// Softmax temperature T > 0 (0.6); log-probabilities everywhere use logits / T.
    public var temperature: Double
    /// Nucleus mass p in (0, 1] (0.9).
    public var topP: Double
    /// Length limit of a response in tokens; a response cut by it scores 0.
    public var maxTokens: Int
    /// Responses per prompt (G); nil for the tree methods, whose tree sets the count.
    public var samplesPerPrompt: Int?
    /// Prompts per iteration.
    public var promptsPerIteration: Int

    /// Creates the settings; `spo validate` checks the ranges.
    public init(temperature: Double, topP: Double, maxTokens: Int, samplesPerPrompt: Int?, promptsPerIteration: Int) {
        self.temperature = temperature
        self.topP = topP
        self.maxTokens = maxTokens
        self.samplesPerPrompt = samplesPerPrompt
        self.promptsPerIteration = promptsPerIteration
    }

    enum CodingKeys: String, CodingKey {
        case temperature
        case topP = "top_p"
        case maxTokens = "max_tokens"
        case samplesPerPrompt = "samples_per_prompt"
        case promptsPerIteration = "prompts_per_iteration"
    }
}

/// Evaluation on the test split (method.md section 8): pass@1 estimated from `samples`
/// samples per question at `temperature`, plus pass@k and majority vote, and greedy
/// accuracy when `greedy` is on. Runs before the first iteration, after every
/// `every`-th iteration and after the last; `every` = 0 turns evaluation off.
public struct EvaluationSettings: Sendable, Equatable, Codable {
    /// Iterations between evaluations; 0: never.
    public var every: Int
    /// Samples per question (k; 16 in the reference).
    public var samples: Int
    /// Sampling temperature of the evaluation samples (0.35).
    public var temperature: Double
    /// How many test questions (the first ones); nil: all of them.
    public var questions: Int?
    /// Whether greedy accuracy is measured too.
    public var greedy: Bool

    /// Creates the settings; `spo validate` checks the ranges.
    public init(every: Int, samples: Int, temperature: Double, questions: Int?, greedy: Bool) {
        self.every = every
        self.samples = samples
        self.temperature = temperature
        self.questions = questions
        self.greedy = greedy
    }
}

/// Where the initial policy comes from; JSON `{"checkpoint": "runs/sft-default/checkpoint"}`
/// or `{"config": "configs/models/tiny.json", "init_seed": 1}`.
public enum ModelSource: Sendable, Equatable, Codable {
    /// A checkpoint directory (safetensors with Hugging Face names and its config.json).
    case checkpoint(path: String)
    /// A model config (Hugging Face config.json keys), weights initialised with `initSeed`.
    case config(path: String, initSeed: UInt64)

    enum CodingKeys: String, CodingKey {
        case checkpoint, config
        case initSeed = "init_seed"
    }

    /// Decodes whichever of `checkpoint` and `config` is present.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let path = try container.decodeIfPresent(String.self, forKey: .checkpoint) {
            self = .checkpoint(path: path)
        } else {
            self = .config(
                path: try container.decode(String.self, forKey: .config),
                initSeed: try container.decode(UInt64.self, forKey: .initSeed))
        }
    }

    /// Encodes `{"checkpoint": path}` or `{"config": path, "init_seed": seed}`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .checkpoint(let path):
            try container.encode(path, forKey: .checkpoint)
        case .config(let path, let initSeed):
            try container.encode(path, forKey: .config)
            try container.encode(initSeed, forKey: .initSeed)
        }
    }
}
