import Foundation
import XCTest
@testable import SPOModel

final class LearningRateScheduleTests: XCTestCase {
    func testConstant() {
        let schedule = LearningRateSchedule.constant(rate: 0.003)
        XCTAssertEqual(schedule.rate(atStep: 0), 0.003)
        XCTAssertEqual(schedule.rate(atStep: 1_000_000), 0.003)
    }

    func testWarmupThenDecayToZero() {
        // W = 4, T = 14: warm-up 1/4, 2/4, 3/4, 4/4; decay over 10 steps, 0.1 per step.
        let schedule = LearningRateSchedule.linearWarmupLinearDecay(peak: 1, warmupSteps: 4, totalSteps: 14)
        let expected: [(Int, Float)] = [
            (0, 0.25), (1, 0.5), (2, 0.75), (3, 1.0), (4, 1.0), (5, 0.9), (9, 0.5), (13, 0.1),
            (14, 0), (100, 0), (-3, 0.25),
        ]
        for (step, rate) in expected {
            XCTAssertEqual(schedule.rate(atStep: step), rate, accuracy: 1e-6, "step \(step)")
        }
    }

    func testDecayToNonZeroFinal() {
        // Peak 2e-3 at s = 10, final 2e-4 at s = 110: halfway (s = 60) is 1.1e-3.
        let schedule = LearningRateSchedule.linearWarmupLinearDecay(
            peak: 2e-3, warmupSteps: 10, totalSteps: 110, final: 2e-4)
        XCTAssertEqual(schedule.rate(atStep: 4), 1e-3, accuracy: 1e-9)
        XCTAssertEqual(schedule.rate(atStep: 60), 1.1e-3, accuracy: 1e-9)
        XCTAssertEqual(schedule.rate(atStep: 110), 2e-4, accuracy: 1e-9)
        XCTAssertEqual(schedule.rate(atStep: 500), 2e-4, accuracy: 1e-9)
    }

    func testWarmupFraction() {
        // 3% of 1000 = 30; 3% of 10 = 0.3 → 0 → at least 1; 3% of 50 = 1.5 → 2.
        XCTAssertEqual(
            LearningRateSchedule.warmupFraction(0.03, peak: 1e-3, totalSteps: 1000),
            .linearWarmupLinearDecay(peak: 1e-3, warmupSteps: 30, totalSteps: 1000, final: 0))
        XCTAssertEqual(
            LearningRateSchedule.warmupFraction(0.03, peak: 1e-3, totalSteps: 10),
            .linearWarmupLinearDecay(peak: 1e-3, warmupSteps: 1, totalSteps: 10))
        XCTAssertEqual(
            LearningRateSchedule.warmupFraction(0.03, peak: 1e-3, totalSteps: 50),
            .linearWarmupLinearDecay(peak: 1e-3, warmupSteps: 2, totalSteps: 50))
    }

    func testJSONDecodingAndRoundTrip() throws {
        let decoder = JSONDecoder()
        XCTAssertEqual(
            try decoder.decode(LearningRateSchedule.self, from: Data(#"{"kind":"constant","rate":1e-3}"#.utf8)),
            .constant(rate: 1e-3))
        let json = #"{"kind":"linear_warmup_linear_decay","peak":0.5,"warmup_steps":3,"total_steps":9}"#
        XCTAssertEqual(
            try decoder.decode(LearningRateSchedule.self, from: Data(json.utf8)),
            .linearWarmupLinearDecay(peak: 0.5, warmupSteps: 3, totalSteps: 9, final: 0))

        let schedule = LearningRateSchedule.linearWarmupLinearDecay(peak: 0.5, warmupSteps: 3, totalSteps: 9, final: 0.125)
        let encoded = try JSONEncoder().encode(schedule)
        let object = try JSONSerialization.jsonObject(with: encoded) as? [String: Any]
        XCTAssertEqual(object?["kind"] as? String, "linear_warmup_linear_decay")
        XCTAssertEqual(object?["warmup_steps"] as? Int, 3)
        XCTAssertEqual(object?["total_steps"] as? Int, 9)
        XCTAssertEqual(try decoder.decode(LearningRateSchedule.self, from: encoded), schedule)
    }

    func testUnknownKindAndInvalidValuesAreRejected() {
        let decoder = JSONDecoder()
        XCTAssertThrowsError(try decoder.decode(LearningRateSchedule.self, from: Data(#"{"kind":"cosine","peak":1}"#.utf8))) {
            XCTAssertTrue("\($0)".contains("unknown learning-rate schedule kind \"cosine\""), "\($0)")
        }
        let backwards = #"{"kind":"linear_warmup_linear_decay","peak":1,"warmup_steps":10,"total_steps":5}"#
        XCTAssertThrowsError(try decoder.decode(LearningRateSchedule.self, from: Data(backwards.utf8))) {
            XCTAssertTrue("\($0)".contains("'total_steps' is 5; expected a count >= warmup_steps (10)"), "\($0)")
        }
        XCTAssertThrowsError(try LearningRateSchedule.constant(rate: -1).validate()) {
            XCTAssertTrue("\($0)".contains("'rate' is -1.0"), "\($0)")
        }
    }
}
