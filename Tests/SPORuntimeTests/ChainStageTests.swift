import XCTest
import SPOModel
import SPOPipelineSpec
import SPOWire
@testable import SPORuntime

/// The SPO-chain and VinePPO pieces the stages use, on cases worked out by hand.
final class ChainStageTests: XCTestCase {
    /// "\n3+4=7\n7*2=14\n#### 14", one character per token: the leading newline starts no
    /// step, the line "7*2=14" (token 7) does, the answer line (token 14) joins it.
    func testNewlineStepsSkipLeadingNewlineAndJoinTheAnswerLine() {
        let texts = "\n3+4=7\n7*2=14\n#### 14".map(String.init)
        XCTAssertEqual(SegmentPartition.newlineSteps(tokenTexts: texts, maxSteps: 25), [0, 7])
        XCTAssertEqual(SegmentPartition.newlineSteps(tokenTexts: texts, maxSteps: 1), [0])
        // Three lines, cap 2: the third line joins the second step.
        let three = "a\nb\nc".map(String.init)
        XCTAssertEqual(SegmentPartition.newlineSteps(tokenTexts: three, maxSteps: 25), [0, 2, 4])
        XCTAssertEqual(SegmentPartition.newlineSteps(tokenTexts: three, maxSteps: 2), [0, 2])
        // A newline as the last token starts nothing (no token follows).
        XCTAssertEqual(SegmentPartition.newlineSteps(tokenTexts: ["x", "\n"], maxSteps: 25), [0])
        // Multi-character tokens: the newline inside token 1 starts a step at token 2.
        XCTAssertEqual(SegmentPartition.newlineSteps(tokenTexts: ["ab", "c\n", "d"], maxSteps: 25), [0, 2])
    }

    func testBoundariesFromStarts() {
        XCTAssertTrue(SegmentPartition.boundaries(starts: [], responseLength: 6) == ([0, 6], 1))
        XCTAssertTrue(SegmentPartition.boundaries(starts: [0, 3], responseLength: 6) == ([0, 3, 6], 0))
        XCTAssertTrue(SegmentPartition.boundaries(starts: [2, 5], responseLength: 6) == ([0, 2, 5, 6], 1))
    }

    func valued(boundaries: [Int32], first: Int, values: [Float], reward: Double) throws -> ValuedRollout {
        let length = Int(boundaries.last!)
        let rollout = try Rollout(
            promptID: "p", groupID: "p@0", sampleIndex: 0, promptTokens: [1], responseTokens: [Int32](repeating: 5, count: length),
            logProbs: [Float](repeating: -1, count: length), reward: reward, stopReason: .eos, temperature: 0.6)
        let segmented = try SegmentedRollout(
            rollout: rollout, boundaries: boundaries, tokenMask: [UInt8](repeating: 1, count: length), firstCreditedSegment: first)
        return try ValuedRollout(
            segmented: segmented, boundaryValues: values, rolloutCounts: [Int32](repeating: 9, count: values.count), tokensSpent: 0)
    }

    /// Three segments of two tokens, V̂ = 0.5, 0.25, 1.0 and reward 1:
    /// A = 0.25 − 0.5, 1.0 − 0.25, 1 − 1.
    func testChainTokenAdvantagesOfThreeSegments() throws {
        let advantages = ChainAdvantage.tokenAdvantages(
            try valued(boundaries: [0, 2, 4, 6], first: 0, values: [0.5, 0.25, 1.0, 1], reward: 1))
        XCTAssertEqual(advantages, [-0.25, -0.25, 0.75, 0.75, 0, 0])
    }

    /// A pre-segment [0, 1) carries 0; then A = 0.75 − 0.5 and 0 − 0.75 (reward 0).
    func testChainTokenAdvantagesWithPreSegment() throws {
        let advantages = ChainAdvantage.tokenAdvantages(
            try valued(boundaries: [0, 1, 4, 6], first: 1, values: [0, 0.5, 0.75, 0], reward: 0))
        XCTAssertEqual(advantages, [0, 0.25, 0.25, 0.25, -0.75, -0.75])
    }

    /// No low-probability token: one uncredited segment, every advantage 0.
    func testChainTokenAdvantagesWithoutCreditedSegment() throws {
        let advantages = ChainAdvantage.tokenAdvantages(try valued(boundaries: [0, 6], first: 1, values: [0, 1], reward: 1))
        XCTAssertEqual(advantages, [0, 0, 0, 0, 0, 0])
    }

    func sample(group: String?, of size: Int) throws -> TrainingSample {
        try TrainingSample(
            tokens: [1, 5], promptLength: 1, lossMask: [0, 1], advantages: [0, 1], oldLogProbs: [0, -1],
            group: group.map { try SampleGroup(id: $0, samples: size) })
    }

    /// Two prompts: complete when both groups hold what they announce (2 and 1 samples);
    /// samples without a group count against prompts × G.
    func testIterationCompleteness() throws {
        let a = try sample(group: "a@0", of: 2), b = try sample(group: "b@0", of: 1)
        XCTAssertFalse(OptimizeWorker.isComplete([a, b], prompts: 2, ungroupedTarget: nil))
        XCTAssertTrue(OptimizeWorker.isComplete([a, a, b], prompts: 2, ungroupedTarget: nil))
        XCTAssertFalse(OptimizeWorker.isComplete([a, a], prompts: 2, ungroupedTarget: nil))
        let loose = try sample(group: nil, of: 1)
        XCTAssertFalse(OptimizeWorker.isComplete([loose, loose], prompts: 2, ungroupedTarget: 3))
        XCTAssertTrue(OptimizeWorker.isComplete([loose, loose, loose], prompts: 2, ungroupedTarget: 3))
        XCTAssertFalse(OptimizeWorker.isComplete([], prompts: 2, ungroupedTarget: nil))
    }

    /// A sample's group survives the wire; half a group (id without count) is refused.
    func testSampleGroupOnTheWire() throws {
        let sample = try sample(group: "a@3", of: 7)
        let envelope = try Envelope(
            runID: "r", messageID: "m", stage: "advantage", replica: 0, iteration: 3, policyVersion: 3, createdAt: 0)
        let bytes = MessageCodec.encode(Message(envelope: envelope, body: .trainingSample(sample)))
        let decoded = try MessageCodec.decode(bytes)
        guard case .trainingSample(let back) = decoded.body else { return XCTFail("wrong type") }
        XCTAssertEqual(back.group, try SampleGroup(id: "a@3", samples: 7))
        XCTAssertThrowsError(try SampleGroup(id: "a@3", samples: 0))
    }
}
