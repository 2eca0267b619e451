import SPOPipelineSpec
import XCTest
@testable import SPORuntime

/// SPO-tree values and edge advantages on trees worked out by hand (method.md §4).
final class TreeCreditTests: XCTestCase {
    /// A 2-2 tree whose child 1 ended early (EOS = 2) as a leaf at depth 1:
    ///
    ///     root ─ [0] "10 11" ─ [0,0] "12 13"  r = 1
    ///          │             └ [0,1] "14"     r = 0
    ///          └ [1] "20 2"                   r = 1
    ///
    /// Nested: V[0] = 0.5, V[1] = 1, V(root) = 0.75; the flat leaf mean would be 2/3.
    let earlyLeafTree = [
        TreeLeaf(path: [0, 0], boundaries: [0, 2, 4], responseTokens: [10, 11, 12, 13],
                 logProbabilities: [-0.1, -0.2, -0.3, -0.4], reward: 1),
        TreeLeaf(path: [0, 1], boundaries: [0, 2, 3], responseTokens: [10, 11, 14],
                 logProbabilities: [-0.1, -0.2, -0.5], reward: 0),
        TreeLeaf(path: [1], boundaries: [0, 2], responseTokens: [20, 2], logProbabilities: [-0.6, -0.7], reward: 1),
    ]

    func testNestedMeanIsNotTheFlatMean() throws {
        let tree = try TreeValues(leaves: earlyLeafTree)
        XCTAssertEqual(tree.rootValue, 0.75)
        XCTAssertNotEqual(tree.rootValue, 2.0 / 3.0)
        XCTAssertEqual(tree.values, [[]: 0.75, [0]: 0.5, [1]: 1, [0, 0]: 1, [0, 1]: 0])
        XCTAssertEqual(tree.children, [[]: [0, 1], [0]: [0, 1]])
        XCTAssertEqual(tree.boundaryValues(ofLeaf: 0), [0.75, 0.5, 1])
        XCTAssertEqual(tree.boundaryValues(ofLeaf: 1), [0.75, 0.5, 0])
        XCTAssertEqual(tree.boundaryValues(ofLeaf: 2), [0.75, 1])
    }

    func testRLOOEdges() throws {
        let tree = try TreeValues(leaves: earlyLeafTree)
        let edges = tree.edges(form: .rloo, stdEpsilon: 1e-8)
        // Lexicographic by child path; A = V(child) − V(parent).
        XCTAssertEqual(edges.map(\.path), [[0], [0, 0], [0, 1], [1]])
        XCTAssertEqual(edges.map(\.advantage), [-0.25, 0.5, -0.5, 0.25])
        XCTAssertEqual(edges.map(\.parentValue), [0.75, 0.5, 0.5, 0.75])
        XCTAssertEqual(edges.map(\.childValue), [0.5, 1, 0, 1])
        XCTAssertEqual(edges.map(\.leafIndex), [0, 0, 1, 2])
        XCTAssertEqual(edges.map(\.ancestorTokens), [[], [10, 11], [10, 11], []])
        XCTAssertEqual(edges.map(\.tokens), [[10, 11], [12, 13], [14], [20, 2]])
        XCTAssertEqual(edges.map(\.oldLogProbabilities), [[-0.1, -0.2], [-0.3, -0.4], [-0.5], [-0.6, -0.7]])
        XCTAssertFalse(edges.contains { $0.isZero })
        XCTAssertEqual(tree.pathAdvantages(ofLeaf: 1, form: .rloo, stdEpsilon: 1e-8), [-0.25, -0.5])
        XCTAssertEqual(tree.pathAdvantages(ofLeaf: 2, form: .rloo, stdEpsilon: 1e-8), [0.25])
    }

    func testGRPOEdgesDivideBySiblingPopulationStd() throws {
        let tree = try TreeValues(leaves: earlyLeafTree)
        let edges = tree.edges(form: .grpo, stdEpsilon: 1e-8)
        // Root's children {0.5, 1}: σ = 0.25, so A = ∓0.25 / 0.25; [0]'s children {1, 0}: σ = 0.5.
        let expected = [-0.25 / (0.25 + 1e-8), 0.5 / (0.5 + 1e-8), -0.5 / (0.5 + 1e-8), 0.25 / (0.25 + 1e-8)]
        for (edge, value) in zip(edges, expected) { XCTAssertEqual(edge.advantage, value, accuracy: 1e-15) }
        // A large ε shows where it enters: 0.25 / (0.25 + 0.25).
        XCTAssertEqual(tree.edges(form: .grpo, stdEpsilon: 0.25)[3].advantage, 0.5, accuracy: 1e-15)
    }

    /// Full 2-2 tree with leaves [0,0] = 1, [0,1] = 0, [1,0] = 1, [1,1] = 1: the edges into
    /// [1,0] and [1,1] have A exactly 0 in both forms (callers drop them).
    func testEqualSiblingsGiveExactlyZeroAdvantage() throws {
        let rewards: [(path: [Int], reward: Double)] = [([0, 0], 1), ([0, 1], 0), ([1, 0], 1), ([1, 1], 1)]
        let leaves = rewards.map { (path: [Int], reward: Double) -> TreeLeaf in
            let tokens: [Int32] = [Int32(10 + path[0]), Int32(20 + path[1])]
            return TreeLeaf(path: path, boundaries: [0, 1, 2], responseTokens: tokens, logProbabilities: [-1, -1], reward: reward)
        }
        let tree = try TreeValues(leaves: leaves)
        XCTAssertEqual(tree.rootValue, 0.75)
        for form in TreeAdvantageForm.allCases {
            let edges = tree.edges(form: form, stdEpsilon: 1e-8)
            XCTAssertEqual(edges.filter { $0.isZero }.map { $0.path }, [[1, 0], [1, 1]], "\(form)")
        }
    }

    /// 0.1 + 0.1 + 0.1 = 0.30000000000000004, so the plain mean of three 0.1 siblings is not
    /// 0.1; the mean returns the common value, keeping their advantages exactly 0.
    func testEqualNonDyadicSiblingsStayExactlyZero() {
        XCTAssertNotEqual((0.1 + 0.1 + 0.1) / 3, 0.1)
        XCTAssertEqual(TreeAdvantage.mean([0.1, 0.1, 0.1]), 0.1)
        XCTAssertEqual(TreeAdvantage.edgeAdvantages(siblingValues: [0.1, 0.1, 0.1], form: .rloo, stdEpsilon: 1e-8), [0, 0, 0])
        XCTAssertEqual(TreeAdvantage.edgeAdvantages(siblingValues: [0.1, 0.1, 0.1], form: .grpo, stdEpsilon: 1e-8), [0, 0, 0])
        // A single child: A = 0, no NaN from σ = 0.
        XCTAssertEqual(TreeAdvantage.edgeAdvantages(siblingValues: [0.7], form: .grpo, stdEpsilon: 1e-8), [0])
        // Three siblings {1, 0, −2} (a format penalty): mean −1/3, σ² = (16 + 1 + 25) / 27 = 14/9.
        let grpo = TreeAdvantage.edgeAdvantages(siblingValues: [1, 0, -2], form: .grpo, stdEpsilon: 0)
        for (a, e) in zip(grpo, [4.0 / 3, 1.0 / 3, -5.0 / 3]) { XCTAssertEqual(a, e / (14.0 / 9).squareRoot(), accuracy: 1e-12) }
    }

    /// Three levels: V[0] is the mean of V[0,0] = (1 + 0 + 0) / 3 and leaf [0,1] = 1, not
    /// the flat mean of its four leaves.
    func testThreeLevelNestedMean() throws {
        func leaf(_ path: [Int], _ reward: Double) -> TreeLeaf {
            TreeLeaf(path: path, boundaries: Array(0...path.count), responseTokens: path.map { Int32($0) },
                     logProbabilities: path.map { _ in -1 }, reward: reward)
        }
        let tree = try TreeValues(leaves: [leaf([0, 0, 0], 1), leaf([0, 0, 1], 0), leaf([0, 0, 2], 0), leaf([0, 1], 1),
                                           leaf([1], 0)])
        XCTAssertEqual(tree.values[[0, 0]]!, 1.0 / 3, accuracy: 1e-15)
        XCTAssertEqual(tree.values[[0]]!, (1.0 / 3 + 1) / 2, accuracy: 1e-15)
        XCTAssertEqual(tree.rootValue, (2.0 / 3) / 2, accuracy: 1e-15)
        XCTAssertEqual(tree.boundaryValues(ofLeaf: 1).count, 4)
        XCTAssertEqual(tree.edges(form: .rloo, stdEpsilon: 1e-8).count, 7)
    }

    func testEdgeTrainingSample() throws {
        let edge = try TreeValues(leaves: earlyLeafTree).edges(form: .rloo, stdEpsilon: 1e-8)[2]
        let sample = try TrainingSampleLayout.sample(promptTokens: [1, 5], edge: edge)
        XCTAssertEqual(sample.tokens.int32Values, [1, 5, 10, 11, 14])
        XCTAssertEqual(sample.promptLength, 4)
        XCTAssertEqual(sample.lossMask.uint8Values, [0, 0, 0, 0, 1])
        XCTAssertEqual(sample.advantages.floatValues, [0, 0, 0, 0, -0.5])
        XCTAssertEqual(sample.oldLogProbs.floatValues, [0, 0, 0, 0, -0.5])
    }

    func testInconsistentLeavesAreRejected() {
        var leaves = earlyLeafTree
        leaves[1].path = [0, 0]
        XCTAssertThrowsError(try TreeValues(leaves: leaves)) { XCTAssertTrue("\($0)".contains("same path [0, 0]"), "\($0)") }
        leaves = earlyLeafTree
        leaves[1].responseTokens[1] = 99
        XCTAssertThrowsError(try TreeValues(leaves: leaves)) { XCTAssertTrue("\($0)".contains("share node [0]"), "\($0)") }
        leaves = earlyLeafTree
        leaves[2].path = [0]
        leaves[2].responseTokens = [10, 11]
        leaves[2].logProbabilities = [-0.1, -0.2]
        XCTAssertThrowsError(try TreeValues(leaves: leaves)) { XCTAssertTrue("\($0)".contains("inner node"), "\($0)") }
        leaves = earlyLeafTree
        leaves[0].boundaries = [0, 2, 3]
        XCTAssertThrowsError(try TreeValues(leaves: leaves)) { XCTAssertTrue("\($0)".contains("boundaries"), "\($0)") }
        XCTAssertThrowsError(try TreeValues(leaves: []))
    }
}
