import Foundation

/// The built-in task: multi-step arithmetic word problems written like GSM8K, generated
/// from the stories (templates) of an `ArithmeticTaskConfig`.
///
///     question: Tom has 12 boxes with 3 apples in each. Tom gives away 7 apples.
///               How many apples does Tom have now?
///     solution: 12*3=36
///               36-7=29
///               #### 29
///
/// Problem `i` of a split is drawn from `SplitMix64(seed:stream:index:)` with the split's
/// own stream, so it does not depend on how many problems are asked for. The train split
/// holds `train_size` problems. The test split draws candidates from the other stream and
/// skips any whose question occurs among the train questions or earlier test questions,
/// so the two splits share no question text. Templates with no sentence for an allowed
/// operation (and no usable product opening) are skipped.
public struct ArithmeticTask: Sendable {
    /// The configuration, validated.
    public let config: ArithmeticTaskConfig
    /// Where the configuration came from, for errors.
    let source: String
    /// The usable templates, parsed.
    let templates: [CompiledTemplate]

    /// Validates `config` and parses its template sentences.
    ///
    /// - Throws: `TaskError` naming `source`, the JSON path and the value for a rule of
    ///   `ArithmeticTaskConfig.validate(source:)`, a malformed sentence (unknown or
    ///   repeated placeholder, unbalanced brace), or when no template can be used.
    public init(config: ArithmeticTaskConfig, source: String = "arithmetic task config") throws {
        try config.validate(source: source)
        var templates: [CompiledTemplate] = []
        for (index, template) in config.templates.enumerated() {
            let compiled = try CompiledTemplate(
                template, at: "templates[\(index)]", config: config, source: source)
            if compiled.isUsable(minSteps: config.minSteps) { templates.append(compiled) }
        }
        guard !templates.isEmpty else {
            let allowed = config.operations.map(\.rawValue).joined(separator: ", ")
            throw TaskError(
                source: source, location: "templates", value: "",
                problem: "no template has a sentence for an allowed operation (\(allowed)); "
                    + "add step sentences under \"steps\" or allow more operations")
        }
        self.config = config
        self.source = source
        self.templates = templates
    }

    /// Reads, validates and parses a configuration file.
    ///
    /// - Throws: `TaskError` naming the file (see `init(config:source:)`).
    public init(contentsOf url: URL) throws {
        try self.init(config: try JSONFile.decode(ArithmeticTaskConfig.self, contentsOf: url), source: url.path)
    }

    /// The first `count` problems of `split`, the same on every call and platform.
    /// Asking for test problems generates the `train_size` train questions first, to
    /// exclude them.
    ///
    /// - Throws: `TaskError` when `count` is negative, when `count > train_size` for the
    ///   train split (later train problems would not be kept out of the test split), or
    ///   when the configuration cannot produce enough problems (see `makeProblem`).
    public func problems(split: DatasetSplit, count: Int) throws -> [Problem] {
        guard count >= 0 else {
            throw TaskError(source: source, location: "", value: "\(count)", problem: "a problem count cannot be negative")
        }
        switch split {
        case .train:
            guard count <= config.trainSize else {
                throw TaskError(
                    source: source, location: "train_size", value: "\(config.trainSize)",
                    problem: "\(count) train problems asked for, but the train split holds "
                        + "\(config.trainSize); raise train_size or ask for fewer")
            }
            return try (0..<count).map { try problem(split: .train, index: $0) }
        case .test:
            return try testProblems(count: count)
        }
    }

    /// Candidate `index` of `split`, before the test split's overlap check.
    func problem(split: DatasetSplit, index: Int) throws -> Problem {
        var random = SplitMix64(seed: config.seed, stream: split.stream, index: UInt64(index))
        return try makeProblem(using: &random, id: "arithmetic-\(split.rawValue)-\(index)")
    }

    /// The test split: candidates in order, skipping questions of the `train_size` train
    /// problems and repeats, until `count` are found or `20·count + 1000` were tried.
    private func testProblems(count: Int) throws -> [Problem] {
        let trainQuestions = Set(try problems(split: .train, count: config.trainSize).map(\.question))
        var seen: Set<String> = []
        var result: [Problem] = []
        let candidateLimit = 20 * count + 1000
        var index = 0
        while result.count < count {
            guard index < candidateLimit else {
                throw TaskError(
                    source: source, location: "", value: "",
                    problem: "found only \(result.count) of \(count) test questions outside the "
                        + "train split in \(candidateLimit) candidates; add templates or names, "
                        + "widen ranges, or lower train_size")
            }
            let candidate = try problem(split: .test, index: index)
            if !trainQuestions.contains(candidate.question), seen.insert(candidate.question).inserted {
                result.append(candidate)
            }
            index += 1
        }
        return result
    }
}

extension DatasetSplit {
    /// The seed stream of a split: the ASCII bytes of its name.
    var stream: UInt64 {
        switch self {
        case .train: 0x74_72_61_69_6E  // "train"
        case .test: 0x74_65_73_74  // "test"
        }
    }
}
