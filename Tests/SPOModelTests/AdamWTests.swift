import Foundation
import XCTest
@testable import SPOModel

final class AdamWTests: XCTestCase {
    func testTwoStepsWithWeightDecayMatchHandArithmetic() throws {
        let configuration = AdamWConfiguration(learningRate: 0.01, weightDecay: 0.1)
        let optimizer = try AdamW(parameterCount: 3, configuration: configuration)
        var parameters: [Float] = [1, -2, 0.5]
        let gradients1: [Float] = [0.1, -0.2, 0.3]
        let gradients2: [Float] = [0.2, 0.1, -0.4]

        optimizer.update(parameters: &parameters, gradients: gradients1, count: 3, learningRate: 0.01)
        // Step 1: m̂ = g and v̂ = g², so the Adam term is η·g/(|g| + ε) ≈ η·sign(g):
        // 1·(1 − 0.01·0.1) − 0.01 = 0.989; −2·0.999 + 0.01 = −1.988; 0.5·0.999 − 0.01 = 0.4895.
        XCTAssertEqual(parameters[0], 0.989, accuracy: 1e-6)
        XCTAssertEqual(parameters[1], -1.988, accuracy: 1e-6)
        XCTAssertEqual(parameters[2], 0.4895, accuracy: 1e-6)
        XCTAssertEqual(optimizer.step, 1)

        optimizer.update(parameters: &parameters, gradients: gradients2, count: 3, learningRate: 0.005)
        // Step 2 (η = 0.005), written out in Double, element by element.
        for i in 0..<3 {
            let g1 = Double(gradients1[i]), g2 = Double(gradients2[i])
            let p0 = [1.0, -2.0, 0.5][i]
            let p1 = p0 * (1 - 0.01 * 0.1) - 0.01 * g1 / (abs(g1) + 1e-8)
            let m = 0.9 * (0.1 * g1) + 0.1 * g2
            let v = 0.999 * (0.001 * g1 * g1) + 0.001 * g2 * g2
            let mHat = m / (1 - 0.9 * 0.9)
            let vHat = v / (1 - 0.999 * 0.999)
            let p2 = p1 * (1 - 0.005 * 0.1) - 0.005 * mHat / (vHat.squareRoot() + 1e-8)
            XCTAssertEqual(Double(parameters[i]), p2, accuracy: 1e-6, "element \(i)")
            XCTAssertEqual(Double(optimizer.firstMoment[i]), m, accuracy: 1e-8, "m[\(i)]")
            // β2 = 0.999 is stored as the Float 0.99900001, so 1 − β2 is off by 1.3e-5 relative.
            XCTAssertEqual(Double(optimizer.secondMoment[i]), v, accuracy: 2e-5 * v, "v[\(i)]")
        }
        // Element 0 by hand: m = 0.029, v = 4.999e-5, m̂ = 0.15263, sqrt(v̂) = 0.15814,
        // p = 0.989·0.9995 − 0.005·0.96518 = 0.98368.
        XCTAssertEqual(parameters[0], 0.98368, accuracy: 1e-5)
        XCTAssertEqual(optimizer.step, 2)
    }

    func testVectorPathMatchesScalarLoopOver1003Elements() throws {
        let count = 1003  // 125 SIMD8 blocks and a 3-element tail
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> Float {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(Int64(bitPattern: seed >> 11) % 2_000_001 - 1_000_000) / 1_000_000
        }
        let configuration = AdamWConfiguration(learningRate: 3e-3, beta1: 0.8, beta2: 0.99, epsilon: 1e-6, weightDecay: 0.05)
        let optimizer = try AdamW(parameterCount: count, configuration: configuration)
        var parameters = (0..<count).map { _ in next() }
        var reference = parameters
        var m = [Float](repeating: 0, count: count), v = m
        for t in 1...3 {
            let gradients = (0..<count).map { _ in next() }
            let rate = Float(t) * 1e-3
            optimizer.update(parameters: &parameters, gradients: gradients, count: count, learningRate: rate)
            for i in 0..<count {
                reference[i] -= rate * 0.05 * reference[i]
                m[i] = 0.8 * m[i] + 0.2 * gradients[i]
                v[i] = 0.99 * v[i] + 0.01 * gradients[i] * gradients[i]
                let mHat = m[i] / (1 - Float(pow(0.8, Double(t))))
                let vHat = v[i] / (1 - Float(pow(0.99, Double(t))))
                reference[i] -= rate * mHat / (vHat.squareRoot() + 1e-6)
            }
        }
        for i in 0..<count {
            XCTAssertEqual(parameters[i], reference[i], accuracy: 1e-6 * max(1, abs(reference[i])), "element \(i)")
            XCTAssertEqual(optimizer.firstMoment[i], m[i], accuracy: 1e-6, "m[\(i)]")
            XCTAssertEqual(optimizer.secondMoment[i], v[i], accuracy: 1e-7, "v[\(i)]")
        }
    }

    func testRestoreContinuesExactly() throws {
        let configuration = AdamWConfiguration(learningRate: 0.01, weightDecay: 0.01)
        let gradients: [[Float]] = [[0.5, -1, 2, 0.25, 3, -3, 1, 1, 0.1], [1, 1, -1, -1, 0.5, 0.5, 2, -2, 0]]
        let start: [Float] = [1, 2, 3, 4, 5, 6, 7, 8, 9]

        let straight = try AdamW(parameterCount: 9, configuration: configuration)
        var p = start
        straight.update(parameters: &p, gradients: gradients[0], count: 9, learningRate: 0.01)
        let savedP = p
        let savedM = Array(straight.firstMoment), savedV = Array(straight.secondMoment)
        straight.update(parameters: &p, gradients: gradients[1], count: 9, learningRate: 0.02)

        let resumed = try AdamW(parameterCount: 9, configuration: configuration)
        try savedM.withUnsafeBufferPointer { m in
            try savedV.withUnsafeBufferPointer { v in try resumed.restore(step: 1, firstMoment: m, secondMoment: v) }
        }
        var q = savedP
        resumed.update(parameters: &q, gradients: gradients[1], count: 9, learningRate: 0.02)
        XCTAssertEqual(q, p)
        XCTAssertEqual(resumed.step, 2)
    }

    func testRestoreRejectsWrongCounts() throws {
        let optimizer = try AdamW(parameterCount: 4, configuration: AdamWConfiguration(learningRate: 1e-3))
        let three: [Float] = [1, 2, 3], four: [Float] = [1, 2, 3, 4]
        try three.withUnsafeBufferPointer { short in
            try four.withUnsafeBufferPointer { right in
                XCTAssertThrowsError(try optimizer.restore(step: 5, firstMoment: right, secondMoment: short)) {
                    XCTAssertTrue("\($0)".contains("'second_moment' is 3 floats; expected 4 floats"), "\($0)")
                }
                XCTAssertThrowsError(try optimizer.restore(step: -1, firstMoment: right, secondMoment: right))
                try optimizer.restore(step: 5, firstMoment: right, secondMoment: right)
            }
        }
        XCTAssertEqual(optimizer.step, 5)
        XCTAssertEqual(Array(optimizer.secondMoment), [1, 2, 3, 4])
    }

    func testConfigurationValidationAndJSON() throws {
        XCTAssertThrowsError(try AdamWConfiguration(learningRate: 1e-3, beta1: 1).validate()) {
            XCTAssertTrue("\($0)".contains("'beta1' is 1.0; expected a value in [0, 1)"), "\($0)")
        }
        XCTAssertThrowsError(try AdamWConfiguration(learningRate: 1e-3, epsilon: 0).validate()) {
            XCTAssertTrue("\($0)".contains("'epsilon'"), "\($0)")
        }
        XCTAssertThrowsError(try AdamW(parameterCount: 2, configuration: AdamWConfiguration(learningRate: .nan)))

        let decoded = try JSONDecoder().decode(
            AdamWConfiguration.self, from: Data(#"{"learning_rate":0.0003,"weight_decay":0.1}"#.utf8))
        XCTAssertEqual(decoded, AdamWConfiguration(learningRate: 3e-4, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.1))
        XCTAssertThrowsError(try JSONDecoder().decode(
            AdamWConfiguration.self, from: Data(#"{"learning_rate":0.001,"beta2":1.5}"#.utf8))) {
            XCTAssertTrue("\($0)".contains("'beta2' is 1.5"), "\($0)")
        }
        let roundTrip = try JSONDecoder().decode(AdamWConfiguration.self, from: JSONEncoder().encode(decoded))
        XCTAssertEqual(roundTrip, decoded)
    }

    func testGlobalNormAndClip() {
        var g: [Float] = [3, 4]
        XCTAssertEqual(GradientClipping.globalNorm(g, count: 2), 5)
        XCTAssertEqual(GradientClipping.clip(&g, count: 2, maxNorm: 10), 5)
        XCTAssertEqual(g, [3, 4])
        XCTAssertEqual(GradientClipping.clip(&g, count: 2, maxNorm: 1), 5)
        // Scale 1/(5 + 1e-6): 3 → 0.59999988, 4 → 0.79999984.
        XCTAssertEqual(g[0], 0.6, accuracy: 1e-6)
        XCTAssertEqual(g[1], 0.8, accuracy: 1e-6)
        XCTAssertEqual(GradientClipping.globalNorm(g, count: 2), 1, accuracy: 1e-6)
    }

    func testGlobalNormAcrossBlocksAndTail() {
        // 10 000 × 0.5: sqrt(2500) = 50.
        XCTAssertEqual(GradientClipping.globalNorm([Float](repeating: 0.5, count: 10_000), count: 10_000), 50, accuracy: 1e-5)
        // 1003 ones: sqrt(1003) = 31.670175.
        XCTAssertEqual(GradientClipping.globalNorm([Float](repeating: 1, count: 1003), count: 1003), 31.670175, accuracy: 1e-5)
        // 1541 = 3·512 + 5 elements of ±2: 2·sqrt(1541) = 78.511146.
        let alternating = (0..<1541).map { $0 % 2 == 0 ? Float(2) : -2 }
        XCTAssertEqual(GradientClipping.globalNorm(alternating, count: 1541), 78.511146, accuracy: 1e-4)
        // 2^22 elements of 1e-3 in Float would drift; the exact norm is 1e-3 · 2^11 = 2.048.
        let many = [Float](repeating: 1e-3, count: 1 << 22)
        XCTAssertEqual(GradientClipping.globalNorm(many, count: many.count), 2.048, accuracy: 2.048 * 1e-6)
    }

    func testClipLeavesNonFiniteGradientsAlone() {
        var g: [Float] = [1, .nan, 2]
        XCTAssertTrue(GradientClipping.clip(&g, count: 3, maxNorm: 1).isNaN)
        XCTAssertEqual(g[0], 1)
        XCTAssertEqual(g[2], 2)
    }
}
