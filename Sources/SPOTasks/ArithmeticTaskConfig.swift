/// Everything that defines the built-in arithmetic word-problem task, as stored in
/// `configs/tasks/arithmetic.json` (snake_case keys, all required except in templates).
///
/// A problem has `s ∈ [min_steps, max_steps]` steps, each one line `v∘n=w` of the
/// solution, then `#### answer`. The starting value comes from `start_range`; a step's
/// operand from `operand_ranges[operation]`; every running value, the answer included,
/// stays an integer in `1 ... max_value`. `train_size` is the size of the train split and
/// the number of train problems the test split is checked against; `test_size` is the
/// test-split size a run uses when it does not ask for a count. See `ArithmeticTask`.
public struct ArithmeticTaskConfig: Codable, Equatable, Sendable {
    /// Seed of both split streams.
    public var seed: UInt64
    /// Number of train problems; the test split excludes every one of their questions.
    public var trainSize: Int
    /// Default number of test problems.
    public var testSize: Int
    /// Fewest steps (solution lines before `####`), at least 1.
    public var minSteps: Int
    /// Most steps, at least `minSteps`.
    public var maxSteps: Int
    /// Largest running value or answer.
    public var maxValue: Int
    /// Range of the starting value `{a}`.
    public var startRange: OperandRange
    /// Operations steps may use.
    public var operations: [ArithmeticOperation]
    /// Operand range of each allowed operation (`{n}`, and `{b}` of a product opening).
    public var operandRanges: [ArithmeticOperation: OperandRange]
    /// Names substituted for `{name}`.
    public var names: [String]
    /// Stories; each problem uses one, chosen uniformly among those usable.
    public var templates: [ArithmeticTemplate]

    /// Creates a configuration from its fields; `ArithmeticTask` validates it.
    public init(
        seed: UInt64, trainSize: Int, testSize: Int, minSteps: Int, maxSteps: Int,
        maxValue: Int, startRange: OperandRange, operations: [ArithmeticOperation],
        operandRanges: [ArithmeticOperation: OperandRange], names: [String],
        templates: [ArithmeticTemplate]
    ) {
        self.seed = seed
        self.trainSize = trainSize
        self.testSize = testSize
        self.minSteps = minSteps
        self.maxSteps = maxSteps
        self.maxValue = maxValue
        self.startRange = startRange
        self.operations = operations
        self.operandRanges = operandRanges
        self.names = names
        self.templates = templates
    }

    enum CodingKeys: String, CodingKey {
        case seed
        case trainSize = "train_size"
        case testSize = "test_size"
        case minSteps = "min_steps"
        case maxSteps = "max_steps"
        case maxValue = "max_value"
        case startRange = "start_range"
        case operations
        case operandRanges = "operand_ranges"
        case names
        case templates
    }

    /// Decodes the JSON form; unknown operation names under `operand_ranges` are errors.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        seed = try container.decode(UInt64.self, forKey: .seed)
        trainSize = try container.decode(Int.self, forKey: .trainSize)
        testSize = try container.decode(Int.self, forKey: .testSize)
        minSteps = try container.decode(Int.self, forKey: .minSteps)
        maxSteps = try container.decode(Int.self, forKey: .maxSteps)
        maxValue = try container.decode(Int.self, forKey: .maxValue)
        startRange = try container.decode(OperandRange.self, forKey: .startRange)
        operations = try container.decode([ArithmeticOperation].self, forKey: .operations)
        operandRanges = try container.decodeOperationMap(OperandRange.self, forKey: .operandRanges)
        names = try container.decode([String].self, forKey: .names)
        templates = try container.decode([ArithmeticTemplate].self, forKey: .templates)
    }
}
