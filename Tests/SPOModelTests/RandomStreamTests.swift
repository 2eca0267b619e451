import SPOModel
import XCTest

/// Reference numbers come from a separate Python transcription of the published
/// xoshiro256** and SplitMix64 C code (Blackman & Vigna), not from this Swift code.
final class RandomStreamTests: XCTestCase {
    func testReferenceOutputsFromState1234() {
        var random = RandomStream(state: (1, 2, 3, 4))
        let expected: [UInt64] = [
            11520, 0, 1_509_978_240, 1_215_971_899_390_074_240,
            1_216_172_134_540_287_360, 607_988_272_756_665_600,
        ]
        XCTAssertEqual((0..<6).map { _ in random.next() }, expected)
    }

    /// State from SplitMix64(0) = 0xE220A8397B1DCDAF, 0x6E789E6AA1B965F4, … .
    func testSeedZeroMatchesSplitMixSeeding() {
        var random = RandomStream(seed: 0)
        let expected: [UInt64] = [
            11_091_344_671_253_066_420, 13_793_997_310_169_335_082, 1_900_383_378_846_508_768,
        ]
        XCTAssertEqual((0..<3).map { _ in random.next() }, expected)
    }

    /// 11520 >> 11 = 5, so the first uniform is 5 · 2⁻⁵³; the second output is 0.
    func testUniformUsesTheTop53Bits() {
        var random = RandomStream(state: (1, 2, 3, 4))
        XCTAssertEqual(random.nextUniform(), 5 * 0x1.0p-53)
        XCTAssertEqual(random.nextUniform(), 0)
        XCTAssertEqual(random.nextFloat(), 0)  // 1509978240 >> 40 = 0
        XCTAssertEqual(random.nextFloat(), 1_105_920 * 0x1.0p-24)  // 1215971899390074240 >> 40
    }

    /// Bound 3: the second output, 0, gives 0 · 3 whose low word 0 is below 2⁶⁴ mod 3 = 1,
    /// so it is rejected and the third output is used; the fifth output is next in line.
    func testIntegerDrawRejectsTheBiasedInterval() {
        var random = RandomStream(state: (1, 2, 3, 4))
        XCTAssertEqual(random.nextInt(below: 3), 0)
        XCTAssertEqual(random.nextInt(below: 3), 0)
        XCTAssertEqual(random.nextInt(below: 3), 0)
        XCTAssertEqual(random.next(), 1_216_172_134_540_287_360)
    }

    func testIntegerDrawIsUniform() {
        var random = RandomStream(seed: 42)
        var counts = [Int](repeating: 0, count: 6)
        for _ in 0..<60_000 {
            counts[random.nextInt(below: 6)] += 1
        }
        // Binomial(60000, 1/6): mean 10000, σ = √(60000 · 1/6 · 5/6) ≈ 91; allow 5σ.
        for count in counts {
            XCTAssertEqual(Double(count), 10_000, accuracy: 456, "\(counts)")
        }
        XCTAssertEqual(random.nextInt(below: 1), 0)
    }

    func testUniformStaysInUnitInterval() {
        var random = RandomStream(seed: 9)
        var sum = 0.0
        for _ in 0..<100_000 {
            let u = random.nextUniform()
            let f = random.nextFloat()
            XCTAssertTrue(u >= 0 && u < 1 && f >= 0 && f < 1)
            sum += u
        }
        // Mean of 100000 uniforms: σ = √(1/12 / 100000) ≈ 0.00091; allow 5σ.
        XCTAssertEqual(sum / 100_000, 0.5, accuracy: 0.0046)
    }

    func testStreamsAreReproducibleAndDistinct() {
        func firstOutputs(_ random: RandomStream) -> [UInt64] {
            var random = random
            return (0..<4).map { _ in random.next() }
        }
        XCTAssertEqual(
            firstOutputs(RandomStream(seed: 5, stream: 1)),
            firstOutputs(RandomStream(seed: 5, stream: 1)))
        let streams = [
            RandomStream(seed: 5), RandomStream(seed: 5, stream: 0),
            RandomStream(seed: 5, stream: 1),
            RandomStream(seed: 6, stream: 0), RandomStream(seed: 6, stream: 1),
            RandomStream(seed: 1, stream: 5),
        ].map(firstOutputs)
        for i in streams.indices {
            for j in streams.indices where j > i {
                for k in 0..<4 {
                    XCTAssertNotEqual(
                        streams[i][k], streams[j][k], "streams \(i) and \(j), output \(k)")
                }
            }
        }
    }
}
