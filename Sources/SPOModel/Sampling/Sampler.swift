import Foundation

/// One sampled token and its log-probability under the full tempered distribution.
public struct SampledToken: Sendable, Equatable {
    /// The token id, in `0 ..< V`.
    public var token: Int32
    /// log softmax(logits / T)[token] over all `V` tokens, with no top-p
    /// renormalisation (T = 1 for greedy decoding). This is the behaviour-policy
    /// log-probability that importance ratios in policy-gradient training divide by.
    public var logProbability: Float

    /// Creates a sampled token with its log-probability.
    public init(token: Int32, logProbability: Float) {
        self.token = token
        self.logProbability = logProbability
    }
}

/// Max logit and log-normaliser of softmax(logits / T) over one row of `V` logits:
///
///     log softmax(logits / T)ᵢ = (logitᵢ − maximum) · inverseTemperature − logNormalizer
///     logNormalizer            = log Σ_j exp((logit_j − maximum) · inverseTemperature)
///
/// Subtracting the maximum first keeps every exponent <= 0, so nothing overflows.
public struct LogSoftmaxStatistics: Sendable, Equatable {
    /// max_j logit_j.
    public var maximum: Float
    /// 1 / T.
    public var inverseTemperature: Float
    /// log Σ_j exp((logit_j − maximum) / T); >= 0.
    public var logNormalizer: Float

    /// log softmax(logits / T) of a token whose logit is `logit`.
    public func logProbability(ofLogit logit: Float) -> Float {
        (logit - maximum) * inverseTemperature - logNormalizer
    }
}

/// Draws the next token from a row of logits `[V]` (Holtzman et al., "The Curious Case
/// of Neural Text Degeneration", 2020, for top-p).
///
/// - T = 0: greedy, token = argmax (lowest id on ties), logProbability at T = 1.
/// - T > 0, p = 1: w = exp((logits − max) / T); one uniform u ∈ [0, 1) picks the first
///   token whose cumulative weight exceeds u · Σw, found through per-chunk sums (no sort).
/// - T > 0, p < 1: the nucleus is the smallest set of most probable tokens (ties: lower
///   id first) whose probability sums to >= p. It is found without sorting the
///   vocabulary: SIMD passes narrow a weight band that holds its edge, and only the band
///   (<= 256 tokens unless they tie) is sorted (see `SamplerScratch.nucleusBoundary`).
///   One uniform u then picks, in id order, the first member whose cumulative weight
///   exceeds u · (nucleus mass): a draw from the renormalised nucleus.
/// logProbability is always log softmax(logits / T)[token] over the whole vocabulary.
///
/// Cost at V = 49152 (one core, AVX2): a max pass and an exp pass
/// (`FastMath.expOfNonPositive`), about 30 µs, then the draw: about 1 µs for p = 1,
/// 5–20 µs for p < 1 on peaked rows and up to about 60 µs on flat ones.
/// Logits must be finite or -inf, with at least one finite.
public enum Sampler {
    /// Tokens per chunk of the inverse-CDF prefix sums.
    static let chunkSize = 64

    /// Draws one token from `logits[0 ..< vocabularySize]`; see the type's documentation.
    /// Uses exactly one `random.nextUniform()` when temperature > 0 and none when it is 0.
    public static func sample(
        logits: UnsafePointer<Float>, vocabularySize: Int, parameters: SamplingParameters,
        random: inout RandomStream, scratch: inout SamplerScratch
    ) -> SampledToken {
        precondition(
            vocabularySize >= 1,
            "Sampler.sample: vocabularySize is \(vocabularySize); it must be >= 1")
        if parameters.temperature == 0 {
            let statistics = logSoftmaxStatistics(
                logits: logits, count: vocabularySize, temperature: 1)
            // The maximum is one of the logits, so it is found.
            let token = FastMath.firstIndex(
                of: statistics.maximum, in: logits, count: vocabularySize)!
            return SampledToken(token: Int32(token), logProbability: -statistics.logNormalizer)
        }
        let maximum = checkedMaximum(logits: logits, count: vocabularySize)
        let inverseTemperature = min(1 / parameters.temperature, .greatestFiniteMagnitude)
        let uniform = random.nextUniform()
        scratch.reserve(vocabularySize: vocabularySize)
        let total = scratch.computeWeights(
            logits: logits, count: vocabularySize, maximum: maximum,
            inverseTemperature: inverseTemperature)
        let token: Int
        if parameters.topP < 1 {
            let nucleus = scratch.nucleusBoundary(
                topP: Double(parameters.topP), total: total, count: vocabularySize)
            token = scratch.drawFromNucleus(
                nucleus.boundary, target: uniform * nucleus.mass, count: vocabularySize)
        } else {
            token = scratch.drawFromAll(target: uniform * total, count: vocabularySize)
        }
        let scaled = Double((logits[token] - maximum) * inverseTemperature)
        return SampledToken(token: Int32(token), logProbability: Float(scaled - log(total)))
    }

    /// Max logit and log-normaliser of softmax(logits / temperature) over
    /// `logits[0 ..< count]`, temperature > 0; see `LogSoftmaxStatistics`.
    public static func logSoftmaxStatistics(
        logits: UnsafePointer<Float>, count: Int, temperature: Float
    ) -> LogSoftmaxStatistics {
        precondition(
            temperature > 0 && temperature.isFinite,
            "Sampler.logSoftmaxStatistics: temperature is \(temperature); it must be finite and > 0"
        )
        let maximum = checkedMaximum(logits: logits, count: count)
        let inverseTemperature = min(1 / temperature, .greatestFiniteMagnitude)
        let sum = FastMath.sumExp(
            logits, count: count, subtracting: maximum, scaledBy: inverseTemperature)
        return LogSoftmaxStatistics(
            maximum: maximum, inverseTemperature: inverseTemperature, logNormalizer: log(sum))
    }

    /// max_i logits[i], which must be finite.
    private static func checkedMaximum(logits: UnsafePointer<Float>, count: Int) -> Float {
        let maximum = FastMath.maximum(logits, count: count)
        precondition(
            maximum.isFinite,
            "Sampler: the largest of \(count) logits is \(maximum); logits must be finite or "
                + "-inf with at least one finite (check the model output for overflow)")
        return maximum
    }
}
