import XCTest
import SPOWire
@testable import SPORuntime

final class TrainingSampleLayoutTests: XCTestCase {
    func testPromptThenResponseWithMaskedFields() throws {
        let rollout = try Rollout(
            promptID: "p", groupID: "p@0", sampleIndex: 0, promptTokens: [1, 5, 6], responseTokens: [7, 8],
            logProbs: [-0.5, -0.25], reward: 1, stopReason: .eos, temperature: 0.6)
        let sample = try TrainingSampleLayout.sample(rollout: rollout, tokenMask: [1, 0], advantages: [2, 2])
        XCTAssertEqual(sample.tokens.int32Values, [1, 5, 6, 7, 8])
        XCTAssertEqual(sample.promptLength, 3)
        XCTAssertEqual(sample.lossMask.uint8Values, [0, 0, 0, 1, 0])
        XCTAssertEqual(sample.advantages.floatValues, [0, 0, 0, 2, 0])
        XCTAssertEqual(sample.oldLogProbs.floatValues, [0, 0, 0, -0.5, 0])
        XCTAssertNil(sample.referenceLogProbs)
    }

    func testWholeResponseIsOneSegment() {
        let (boundaries, mask) = SegmentPartition.whole(responseLength: 4)
        XCTAssertEqual(boundaries, [0, 4])
        XCTAssertEqual(mask, [1, 1, 1, 1])
    }
}
