import Foundation
import SPOModel

/// Settings of `spo eval`; defaults follow the reference (k = 16 samples at T = 0.35).
public struct EvaluationOptions: Codable, Sendable, Equatable {
    /// Samples per question (k).
    public var samples: Int = 16
    public var temperature: Float = 0.35
    public var topP: Float = 1
    public var maxTokens: Int = 256
    public var seed: UInt64 = 0
    /// Also decode greedily (temperature 0) once per question.
    public var greedy: Bool = true
    /// Questions whose samples are decoded together (each prompt is prefilled once and forked).
    public var questionsPerBatch: Int = 4
    /// Test questions to evaluate (the first ones of the test split).
    public var questions: Int = 200

    enum CodingKeys: String, CodingKey {
        case samples, temperature, topP = "top_p", maxTokens = "max_tokens", seed, greedy
        case questionsPerBatch = "questions_per_batch", questions
    }

    public init() {}

    /// Every key is optional; missing keys keep the defaults above.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = EvaluationOptions()
        samples = try c.decodeIfPresent(Int.self, forKey: .samples) ?? d.samples
        temperature = try c.decodeIfPresent(Float.self, forKey: .temperature) ?? d.temperature
        topP = try c.decodeIfPresent(Float.self, forKey: .topP) ?? d.topP
        maxTokens = try c.decodeIfPresent(Int.self, forKey: .maxTokens) ?? d.maxTokens
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? d.seed
        greedy = try c.decodeIfPresent(Bool.self, forKey: .greedy) ?? d.greedy
        questionsPerBatch = try c.decodeIfPresent(Int.self, forKey: .questionsPerBatch) ?? d.questionsPerBatch
        questions = try c.decodeIfPresent(Int.self, forKey: .questions) ?? d.questions
    }
}

/// One question to evaluate: its id, text, prompt tokens and gold answer.
public struct EvaluationItem: Sendable {
    public var id: String
    public var question: String
    public var prompt: [Int32]
    public var gold: String

    public init(id: String, question: String, prompt: [Int32], gold: String) {
        self.id = id
        self.question = question
        self.prompt = prompt
        self.gold = gold
    }
}

/// Everything generated for one question, for a person to read (a JSONL line).
public struct QuestionRecord: Codable, Sendable {
    public var id: String
    public var question: String
    public var gold: String
    public var responses: [String]
    public var stopReasons: [String]
    public var extractedAnswers: [String?]
    public var rewards: [Double]
    public var majorityAnswer: String?
    public var majorityCorrect: Bool
    public var greedyResponse: String?
    public var greedyReward: Double?

    enum CodingKeys: String, CodingKey {
        case id, question, gold, responses, stopReasons = "stop_reasons", extractedAnswers = "extracted_answers"
        case rewards, majorityAnswer = "majority_answer", majorityCorrect = "majority_correct"
        case greedyResponse = "greedy_response", greedyReward = "greedy_reward"
    }
}

/// Aggregate accuracy over a test split.
///
/// With c_q correct among k samples of question q (reward 1 counts as correct):
///   pass@1 = mean_q c_q / k (the unbiased estimate from k samples);
///   pass@k = mean_q [c_q > 0];  majority = mean_q [most frequent extracted answer is correct];
///   greedy = mean_q [greedy response correct].
public struct EvaluationResult: Codable, Sendable {
    public var questions: Int
    public var samplesPerQuestion: Int
    public var temperature: Float
    public var passAt1: Double
    public var passAtK: Double
    public var majorityVote: Double
    public var greedy: Double?
    public var meanReward: Double
    public var truncatedFraction: Double
    public var meanResponseTokens: Double
    public var generatedTokens: Int
    public var seconds: Double

    enum CodingKeys: String, CodingKey {
        case questions, samplesPerQuestion = "samples_per_question", temperature, passAt1 = "pass_at_1"
        case passAtK = "pass_at_k", majorityVote = "majority_vote", greedy, meanReward = "mean_reward"
        case truncatedFraction = "truncated_fraction", meanResponseTokens = "mean_response_tokens"
        case generatedTokens = "generated_tokens", seconds
    }

    /// A small table for the terminal.
    public var table: String {
        var rows = [
            ("questions", "\(questions)"),
            ("pass@1 (k=\(samplesPerQuestion), T=\(temperature))", String(format: "%.1f%%", 100 * passAt1)),
            ("pass@\(samplesPerQuestion)", String(format: "%.1f%%", 100 * passAtK)),
            ("majority vote", String(format: "%.1f%%", 100 * majorityVote)),
        ]
        if let greedy { rows.append(("greedy", String(format: "%.1f%%", 100 * greedy))) }
        rows += [
            ("mean reward", String(format: "%.3f", meanReward)),
            ("truncated responses", String(format: "%.1f%%", 100 * truncatedFraction)),
            ("mean response tokens", String(format: "%.1f", meanResponseTokens)),
            ("generated tokens/s", String(format: "%.0f", Double(generatedTokens) / max(seconds, 1e-9))),
        ]
        let width = rows.map { $0.0.count }.max()! + 2
        return rows.map { $0.0.padding(toLength: width, withPad: " ", startingAt: 0) + $0.1 }.joined(separator: "\n")
    }
}

/// Samples k responses (and a greedy one) per question with the KV cache, scores them with
/// the task's reward, and aggregates (see `EvaluationResult`).
public struct Evaluator {
    public let model: LlamaModel
    public let tokenizer: any Tokenizer
    public let options: EvaluationOptions
    /// reward(response, gold, truncated) — the task's reward function.
    public let reward: @Sendable (String, String, Bool) -> Double
    /// The answer a response states (for majority vote and the records), if any.
    public let extractAnswer: @Sendable (String) -> String?

    public init(model: LlamaModel, tokenizer: any Tokenizer, options: EvaluationOptions,
                reward: @escaping @Sendable (String, String, Bool) -> Double,
                extractAnswer: @escaping @Sendable (String) -> String?) {
        self.model = model
        self.tokenizer = tokenizer
        self.options = options
        self.reward = reward
        self.extractAnswer = extractAnswer
    }

    public func evaluate(_ items: [EvaluationItem], showProgress: Bool = true) throws -> (EvaluationResult, [QuestionRecord]) {
        guard options.samples >= 1 else { throw TrainingError("evaluation `samples` must be at least 1") }
        let engine = InferenceEngine(model: model)
        let progress = ProgressDisplay(total: items.count, label: "eval")
        let start = Date()
        var records: [QuestionRecord] = []
        var generated = 0, truncated = 0
        let k = options.samples
        for batchStart in stride(from: 0, to: items.count, by: max(1, options.questionsPerBatch)) {
            let batch = Array(items[batchStart..<min(items.count, batchStart + max(1, options.questionsPerBatch))])
            let parents = try engine.prefill(batch.map(\.prompt))
            var ids: [InferenceEngine.SequenceID] = [], parameters: [SamplingParameters] = []
            for (offset, parent) in parents.enumerated() {
                let q = batchStart + offset
                var seeds = RandomStream(seed: options.seed, stream: UInt64(q))
                for _ in 0..<k {
                    parameters.append(try SamplingParameters(temperature: options.temperature, topP: options.topP,
                                                             maxTokens: options.maxTokens, seed: seeds.next()))
                }
                if options.greedy {
                    parameters.append(try SamplingParameters(temperature: 0, maxTokens: options.maxTokens, seed: 0))
                }
                ids += try engine.fork(parent, count: k + (options.greedy ? 1 : 0))
                engine.release(parent)
            }
            let generations = try engine.generate(ids, parameters: parameters, tokenizer: tokenizer)
            ids.forEach(engine.release)
            let perQuestion = k + (options.greedy ? 1 : 0)
            for (offset, item) in batch.enumerated() {
                let group = Array(generations[(offset * perQuestion)..<((offset + 1) * perQuestion)])
                let sampled = Array(group.prefix(k))
                generated += group.reduce(0) { $0 + $1.tokens.count }
                truncated += sampled.filter { $0.stopReason == .maxTokens }.count
                records.append(record(item, sampled: sampled, greedy: options.greedy ? group.last : nil))
            }
            if showProgress {
                let correct = records.reduce(0.0) { $0 + Double($1.rewards.filter { $0 == 1 }.count) / Double(k) }
                progress.update(records.count, String(format: "pass@1 %.1f%%", 100 * correct / Double(records.count)))
            }
        }
        if showProgress { progress.finish() }
        let n = Double(max(records.count, 1))
        let greedyScores = records.compactMap(\.greedyReward)
        let result = EvaluationResult(
            questions: records.count, samplesPerQuestion: k, temperature: options.temperature,
            passAt1: records.reduce(0.0) { $0 + Double($1.rewards.filter { $0 == 1 }.count) / Double(k) } / n,
            passAtK: Double(records.filter { $0.rewards.contains(1) }.count) / n,
            majorityVote: Double(records.filter(\.majorityCorrect).count) / n,
            greedy: options.greedy ? Double(greedyScores.filter { $0 == 1 }.count) / n : nil,
            meanReward: records.reduce(0.0) { $0 + $1.rewards.reduce(0, +) / Double(k) } / n,
            truncatedFraction: Double(truncated) / (n * Double(k)),
            meanResponseTokens: Double(generated) / (n * Double(k + (options.greedy ? 1 : 0))),
            generatedTokens: generated, seconds: Date().timeIntervalSince(start))
        return (result, records)
    }

    /// Decodes, scores and takes the majority answer of one question's samples.
    func record(_ item: EvaluationItem, sampled: [Generation], greedy: Generation?) -> QuestionRecord {
        func text(_ g: Generation) -> String { tokenizer.decode(g.tokens) }
        func score(_ g: Generation) -> Double { reward(text(g), item.gold, g.stopReason == .maxTokens) }
        let responses = sampled.map(text)
        let rewards = sampled.map(score)
        let answers = responses.map(extractAnswer)
        var counts: [String: Int] = [:], firstSeen: [String: Int] = [:]
        for (i, answer) in answers.enumerated() {
            guard let answer else { continue }
            counts[answer, default: 0] += 1
            if firstSeen[answer] == nil { firstSeen[answer] = i }
        }
        // Most frequent answer; ties go to the one seen first.
        let majority = counts.max { a, b in a.value != b.value ? a.value < b.value : firstSeen[a.key]! > firstSeen[b.key]! }?.key
        let majorityCorrect = majority.map { m in zip(answers, rewards).contains { $0 == m && $1 == 1 } } ?? false
        return QuestionRecord(
            id: item.id, question: item.question, gold: item.gold, responses: responses,
            stopReasons: sampled.map(\.stopReason.rawValue), extractedAnswers: answers, rewards: rewards,
            majorityAnswer: majority, majorityCorrect: majorityCorrect,
            greedyResponse: greedy.map(text), greedyReward: greedy.map(score))
    }
}
