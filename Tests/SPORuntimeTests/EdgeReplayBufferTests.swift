import SPOPipelineSpec
import XCTest
@testable import SPORuntime

/// The replay buffer's per-prompt cap and age window (method.md §4).
final class EdgeReplayBufferTests: XCTestCase {
    func testCapPerPromptPerIteration() {
        var buffer = EdgeReplayBuffer<String>(settings: ReplayBuffer(enabled: true, maxEdgesPerPrompt: 3, maxAge: 2))
        buffer.add(["a1", "a2"], promptID: "a", iteration: 1)
        buffer.add(["a3", "a4"], promptID: "a", iteration: 1)  // one more fits: 3 per (prompt, iteration)
        buffer.add(["b1", "b2", "b3", "b4"], promptID: "b", iteration: 1)
        buffer.add(["a5", "a6", "a7", "a8"], promptID: "a", iteration: 2)  // a new iteration has its own cap
        XCTAssertEqual(buffer.entries.map(\.item), ["a1", "a2", "a3", "b1", "b2", "b3", "a5", "a6", "a7"])
        XCTAssertEqual(buffer.replay(at: 2), ["a1", "a2", "a3", "b1", "b2", "b3"])
    }

    /// max_age 2: an item of iteration 3 is replayed at 4 and 5, not at 3 (it is fresh
    /// data then) nor at 6 (discarded).
    func testAgeWindow() {
        var buffer = EdgeReplayBuffer<Int>(maxEdgesPerPrompt: 32, maxAge: 2)
        for iteration in 1...5 { buffer.add([iteration], promptID: "p", iteration: iteration) }
        XCTAssertEqual(buffer.replay(at: 3), [1, 2])
        XCTAssertEqual(buffer.replay(at: 5), [3, 4])
        XCTAssertEqual(buffer.replay(at: 6), [4, 5])
        buffer.discardExpired(at: 6)
        XCTAssertEqual(buffer.entries.map(\.item), [4, 5])
        // Entries stay ordered by iteration when an older iteration is added late.
        buffer.add([0], promptID: "q", iteration: 4)
        XCTAssertEqual(buffer.entries.map(\.iteration), [4, 4, 5])
        XCTAssertEqual(buffer.replay(at: 6), [4, 0, 5])
    }
}
