import Foundation
import SPOModel
import XCTest

final class SamplerTests: XCTestCase {
    /// Naive log softmax(logits / T) in Double, the reference for `logProbability`.
    private func referenceLogSoftmax(_ logits: [Float], temperature: Double) -> [Double] {
        let scaled = logits.map { Double($0) / temperature }
        let maximum = scaled.max()!
        let logSum =
            maximum + Foundation.log(scaled.reduce(0) { $0 + Foundation.exp($1 - maximum) })
        return scaled.map { $0 - logSum }
    }

    private func parameters(temperature: Float = 1, topP: Float = 1, seed: UInt64 = 0)
        -> SamplingParameters
    {
        try! SamplingParameters(temperature: temperature, topP: topP, maxTokens: 16, seed: seed)
    }

    private func sample(
        _ logits: [Float], _ parameters: SamplingParameters, _ random: inout RandomStream
    ) -> SampledToken {
        var scratch = SamplerScratch(vocabularySize: logits.count)
        return logits.withUnsafeBufferPointer {
            Sampler.sample(
                logits: $0.baseAddress!, vocabularySize: $0.count, parameters: parameters,
                random: &random, scratch: &scratch)
        }
    }

    /// Counts of sampled tokens over `draws` draws with one stream and one scratch.
    private func histogram(_ logits: [Float], _ parameters: SamplingParameters, draws: Int)
        -> [Int]
    {
        var random = RandomStream(seed: parameters.seed)
        var scratch = SamplerScratch(vocabularySize: logits.count)
        var counts = [Int](repeating: 0, count: logits.count)
        logits.withUnsafeBufferPointer { buffer in
            for _ in 0..<draws {
                let drawn = Sampler.sample(
                    logits: buffer.baseAddress!, vocabularySize: buffer.count,
                    parameters: parameters, random: &random, scratch: &scratch)
                counts[Int(drawn.token)] += 1
            }
        }
        return counts
    }

    /// Logits log(0.5), log(0.3), log(0.15), log(0.05): softmax gives those probabilities.
    private let fourTokenLogits: [Float] = [0.5, 0.3, 0.15, 0.05].map { Float(Foundation.log($0)) }

    func testGreedyTakesTheLowestArgmaxAndConsumesNoRandomness() {
        let logits: [Float] = [0.5, 2.0, -1, 2.0, 1.9, -.infinity]
        var random = RandomStream(seed: 3)
        let drawn = sample(logits, parameters(temperature: 0), &random)
        XCTAssertEqual(drawn.token, 1)
        // log softmax at T = 1: 2 − log(e^0.5 + 2e^2 + e^-1 + e^1.9).
        let expected =
            2
            - Foundation.log(
                Foundation.exp(0.5) + 2 * Foundation.exp(2.0) + Foundation.exp(-1.0)
                    + Foundation.exp(1.9))
        XCTAssertEqual(Double(drawn.logProbability), expected, accuracy: 1e-6)
        var fresh = RandomStream(seed: 3)
        XCTAssertEqual(random.next(), fresh.next())
    }

    func testLogProbabilityIsTheFullVocabularyLogSoftmax() {
        var generator = RandomStream(seed: 11)
        let logits = (0..<1003).map { _ in Float(generator.nextUniform() * 12 - 6) }
        for (temperature, topP) in [(Float(1), Float(1)), (0.7, 1), (1.3, 0.9), (0.5, 0.3)] {
            let reference = referenceLogSoftmax(logits, temperature: Double(temperature))
            var random = RandomStream(seed: 1)
            for _ in 0..<20 {
                let drawn = sample(
                    logits, parameters(temperature: temperature, topP: topP), &random)
                let expected = reference[Int(drawn.token)]
                XCTAssertEqual(
                    Double(drawn.logProbability), expected, accuracy: 1e-5 + 1e-6 * abs(expected),
                    "T = \(temperature), top-p = \(topP), token \(drawn.token)")
            }
        }
    }

    func testLogSoftmaxStatisticsMatchNaiveReference() {
        let logits: [Float] = [3, -2, 0.25, 7, 7, -.infinity, 1]
        let statistics = logits.withUnsafeBufferPointer {
            Sampler.logSoftmaxStatistics(logits: $0.baseAddress!, count: $0.count, temperature: 2)
        }
        let reference = referenceLogSoftmax(logits, temperature: 2)
        XCTAssertEqual(statistics.maximum, 7)
        XCTAssertEqual(statistics.inverseTemperature, 0.5)
        for (logit, expected) in zip(logits, reference) where logit.isFinite {
            XCTAssertEqual(
                Double(statistics.logProbability(ofLogit: logit)), expected, accuracy: 1e-6)
        }
    }

    func testSameSeedSameTokensDifferentSeedDifferentTokens() {
        var generator = RandomStream(seed: 2)
        let logits = (0..<777).map { _ in Float(generator.nextUniform() * 4) }
        func tokens(seed: UInt64, topP: Float) -> [Int32] {
            var random = RandomStream(seed: seed)
            return (0..<200).map { _ in sample(logits, parameters(topP: topP), &random).token }
        }
        for topP: Float in [1, 0.8] {
            XCTAssertEqual(tokens(seed: 7, topP: topP), tokens(seed: 7, topP: topP))
            XCTAssertNotEqual(tokens(seed: 7, topP: topP), tokens(seed: 8, topP: topP))
        }
    }

    /// p = (0.5, 0.3, 0.15, 0.05), top-p 0.75: 0.5 < 0.75 <= 0.8, so the nucleus is
    /// {0, 1}, renormalised to 0.625 / 0.375.
    func testTopPKeepsTheSmallestSufficientSet() {
        let counts = histogram(fourTokenLogits, parameters(topP: 0.75, seed: 5), draws: 2000)
        XCTAssertEqual(counts[2] + counts[3], 0)
        // Binomial(2000, 0.625): mean 1250, σ = √(2000 · 0.625 · 0.375) ≈ 21.7; allow 5σ.
        XCTAssertEqual(Double(counts[0]), 1250, accuracy: 108)
        var random = RandomStream(seed: 5)
        let drawn = sample(fourTokenLogits, parameters(topP: 0.75), &random)
        XCTAssertEqual(
            Double(drawn.logProbability), Foundation.log([0.5, 0.3][Int(drawn.token)]),
            accuracy: 1e-5)
    }

    /// top-p 1: frequencies follow p. Pearson χ² with 3 degrees of freedom stays below
    /// 16.27 (its 99.9% quantile) for this fixed seed.
    func testFullVocabularyFrequenciesMatchProbabilities() {
        let draws = 20_000
        let counts = histogram(fourTokenLogits, parameters(seed: 17), draws: draws)
        let probabilities = [0.5, 0.3, 0.15, 0.05]
        var chiSquare = 0.0
        for (count, p) in zip(counts, probabilities) {
            let expected = Double(draws) * p
            chiSquare += (Double(count) - expected) * (Double(count) - expected) / expected
        }
        XCTAssertLessThan(chiSquare, 16.27, "\(counts)")
    }

    /// T = 2 on logits 2·log(p) gives back p.
    func testTemperatureDividesTheLogits() {
        let logits = fourTokenLogits.map { 2 * $0 }
        let counts = histogram(logits, parameters(temperature: 2, seed: 23), draws: 20_000)
        var chiSquare = 0.0
        for (count, p) in zip(counts, [0.5, 0.3, 0.15, 0.05]) {
            let expected = 20_000 * p
            chiSquare += (Double(count) - expected) * (Double(count) - expected) / expected
        }
        XCTAssertLessThan(chiSquare, 16.27, "\(counts)")
    }

    /// V = 1003 (ends in a partial chunk and a partial vector): token `heavy` has logit
    /// log 2004 and the others 0, so p(heavy) = 2004 / (2004 + 1002) = 2/3 and each other
    /// token has 1/3006.
    private func wideLogits(heavy: Int) -> [Float] {
        var logits = [Float](repeating: 0, count: 1003)
        logits[heavy] = Float(Foundation.log(2004.0))
        return logits
    }

    /// The heavy token is the last one, in the partial vector at the end of the row.
    func testWideVocabularyFrequency() {
        let counts = histogram(wideLogits(heavy: 1002), parameters(seed: 29), draws: 6000)
        // Binomial(6000, 2/3): mean 4000, σ ≈ 36.5; allow 5σ.
        XCTAssertEqual(Double(counts[1002]), 4000, accuracy: 183)
        // Tokens 0…63 (first chunk) hold 64/3006 each draw: mean 127.7, σ ≈ 11.2; allow 5σ.
        XCTAssertEqual(Double(counts[0..<64].reduce(0, +)), 127.7, accuracy: 56)
    }

    /// Top-p 0.6 <= 2/3: the nucleus is {1001}. Top-p 0.7: 2/3 + 100/3006 < 0.7 <=
    /// 2/3 + 101/3006, so the nucleus adds the 101 tied tokens of lowest id, 0…100.
    func testTopPBreaksTiesByLowerID() {
        let alone = histogram(wideLogits(heavy: 1001), parameters(topP: 0.6, seed: 31), draws: 300)
        XCTAssertEqual(alone[1001], 300)
        let counts = histogram(
            wideLogits(heavy: 1001), parameters(topP: 0.7, seed: 31), draws: 3000)
        XCTAssertEqual(counts[101..<1001].reduce(0, +) + counts[1002], 0)
        // Each of 0…100 has 1 / 2105 of the nucleus: 101 · 3000 / 2105 ≈ 143.9 draws in
        // all, σ = √(3000 · 0.048 · 0.952) ≈ 11.7; allow 5σ.
        XCTAssertEqual(Double(counts[0...100].reduce(0, +)), 143.9, accuracy: 58.5)
    }

    /// 3000 equal logits, top-p 0.5: every weight is 1, so the nucleus is exactly the
    /// 1500 lowest ids (ties go to the lower id), drawn uniformly.
    func testTopPWithAllLogitsTied() {
        let counts = histogram(
            [Float](repeating: 0.25, count: 3000), parameters(topP: 0.5, seed: 37), draws: 1000)
        XCTAssertEqual(counts[1500...].reduce(0, +), 0)
        let mean = Double(counts.indices.reduce(0) { $0 + $1 * counts[$1] }) / 1000
        // Uniform on 0…1499: mean 749.5, σ = 433; σ of the mean of 1000 ≈ 13.7; allow 5σ.
        XCTAssertEqual(mean, 749.5, accuracy: 68.5)
    }

    /// A flat row of 5001 logits, where the nucleus holds hundreds of tokens, against a
    /// naive nucleus: Double probabilities sorted by (p desc, id asc), smallest prefix
    /// with mass >= p.
    func testTopPMatchesNaiveNucleusOnAFlatRow() {
        var generator = RandomStream(seed: 41)
        let logits = (0..<5001).map { _ in Float(generator.nextUniform() * 5) }
        let topP: Float = 0.8
        let probabilities = referenceLogSoftmax(logits, temperature: 1).map { Foundation.exp($0) }
        let order = probabilities.indices.sorted {
            probabilities[$0] != probabilities[$1] ? probabilities[$0] > probabilities[$1] : $0 < $1
        }
        var nucleusMass = 0.0
        var size = 0
        while nucleusMass < Double(topP) {
            nucleusMass += probabilities[order[size]]
            size += 1
        }
        // The test data must not sit on the edge, or rounding could move it.
        XCTAssertGreaterThan(nucleusMass - Double(topP), 1e-5)
        XCTAssertGreaterThan(Double(topP) - (nucleusMass - probabilities[order[size - 1]]), 1e-5)
        XCTAssertGreaterThan(size, 256)
        let nucleus = Set(order[..<size])
        let counts = histogram(logits, parameters(topP: topP, seed: 43), draws: 1000)
        for (token, count) in counts.enumerated() where count > 0 {
            XCTAssertTrue(nucleus.contains(token), "token \(token) is outside the nucleus")
        }
        // The 100 most likely tokens: Binomial(1000, q) with q their share of the nucleus.
        let q = order[..<100].reduce(0.0) { $0 + probabilities[$1] } / nucleusMass
        let top = Double(order[..<100].reduce(0) { $0 + counts[$1] })
        XCTAssertEqual(top, 1000 * q, accuracy: 5 * (1000 * q * (1 - q)).squareRoot())
    }

    func testMaskedTokensAreNeverDrawn() {
        var logits = [Float](repeating: -.infinity, count: 21)
        logits[4] = 1
        logits[20] = 1
        for topP: Float in [1, 0.9] {
            let counts = histogram(logits, parameters(topP: topP, seed: 47), draws: 400)
            XCTAssertEqual(counts[4] + counts[20], 400)
            XCTAssertGreaterThan(counts[4] * counts[20], 0)
        }
        var random = RandomStream(seed: 1)
        XCTAssertEqual(
            Double(sample(logits, parameters(), &random).logProbability), Foundation.log(0.5),
            accuracy: 1e-6)
    }

    func testTinyTemperatureActsGreedy() {
        var random = RandomStream(seed: 4)
        let drawn = sample([0.1, 0.3, 0.2], parameters(temperature: 1e-30), &random)
        XCTAssertEqual(drawn.token, 1)
        XCTAssertEqual(drawn.logProbability, 0)
    }

    func testParametersValidateAndUseSnakeCaseKeys() throws {
        let json =
            #"{"temperature": 0.5, "top_p": 0.9, "max_tokens": 64, "stop_strings": ["\n\n"], "seed": 18446744073709551615}"#
        let decoded = try JSONDecoder().decode(SamplingParameters.self, from: Data(json.utf8))
        XCTAssertEqual(
            decoded,
            try SamplingParameters(
                temperature: 0.5, topP: 0.9, maxTokens: 64, stopStrings: ["\n\n"], seed: .max))
        let minimal = try JSONDecoder().decode(
            SamplingParameters.self, from: Data(#"{"max_tokens": 8, "seed": 1}"#.utf8))
        XCTAssertEqual(minimal, try SamplingParameters(maxTokens: 8, seed: 1))
        let encoded =
            try JSONSerialization.jsonObject(with: JSONEncoder().encode(decoded)) as? [String: Any]
        XCTAssertEqual(
            Set(encoded?.keys.map { $0 } ?? []),
            ["temperature", "top_p", "max_tokens", "stop_strings", "seed"])

        let bad: [(json: String, mentions: String)] = [
            (#"{"temperature": -1, "max_tokens": 8, "seed": 1}"#, "temperature = -1.0"),
            (#"{"top_p": 0, "max_tokens": 8, "seed": 1}"#, "top_p = 0.0"),
            (#"{"top_p": 1.5, "max_tokens": 8, "seed": 1}"#, "top_p = 1.5"),
            (#"{"max_tokens": 0, "seed": 1}"#, "max_tokens = 0"),
            (#"{"max_tokens": 4, "stop_strings": ["x", ""], "seed": 1}"#, "stop_strings[1]"),
        ]
        for (json, mentions) in bad {
            XCTAssertThrowsError(
                try JSONDecoder().decode(SamplingParameters.self, from: Data(json.utf8))
            ) {
                XCTAssertTrue(
                    String(describing: $0).contains(mentions), "\($0) should mention \(mentions)")
            }
        }
        XCTAssertThrowsError(try SamplingParameters(temperature: .infinity, maxTokens: 1, seed: 0))
        {
            XCTAssertEqual(($0 as? SamplingParametersError)?.field, "temperature")
        }
    }
}
