import Foundation
import SPOModel
import XCTest
@testable import SPORuntime

/// TreePO's pure pieces on numbers worked out by hand (method.md §5): the subtree-baseline
/// advantage, the branching arithmetic, the answer and repetition stops.
final class TreePOCreditTests: XCTestCase {
    // MARK: advantage

    /// Six leaves; the subtrees under [0] and [2] differ in size and [1] ended alone at
    /// depth 1:
    ///
    ///     root ─ [0] ─ [0,0] r 1
    ///          │     └ [0,1] r 0
    ///          ├ [1]         r 0
    ///          └ [2] ─ [2,0] ─ [2,0,0] r 1
    ///                │       └ [2,0,1] r 1
    ///                └ [2,1]           r 0
    ///
    /// Root mean 3/6 = 0.5. [0,0]: (0.5 + (1 − 0.5)) / 2 = 0.5. [1]: its depth-1 subtree is
    /// itself (skipped), so −0.5. [2,0,0]: (1 − 0.5) + (1 − 2/3) + (1 − 1) over 3 = 5/18.
    /// [2,1]: ((0 − 0.5) + (0 − 2/3)) / 2 = −7/12. The flat group baseline would give
    /// r − 0.5: 0.5 for [2,0,0] and −0.5 for [2,1].
    func testSubtreesOfDifferentSizes() {
        let paths = [[0, 0], [0, 1], [1], [2, 0, 0], [2, 0, 1], [2, 1]]
        let advantages = TreePOAdvantage.advantages(paths: paths, rewards: [1, 0, 0, 1, 1, 0])
        let expected = [0.5, -0.5, -0.5, 5.0 / 18, 5.0 / 18, -7.0 / 12]
        for (a, e) in zip(advantages, expected) { XCTAssertEqual(a, e, accuracy: 1e-15) }
        XCTAssertNotEqual(advantages[3], 1 - 0.5, accuracy: 0.1)
    }

    /// A chain of single-child nodes: [0] and [0,0] hold the same two leaves, and both
    /// depths count. [0,0,0]: (1 − 2/3 + 1 − 0.5 + 1 − 0.5) / 3 = 4/9; [0,0,1]:
    /// (−2/3 − 0.5 − 0.5) / 3 = −5/9; [1]: only the root, 1 − 2/3 = 1/3.
    func testSingleChildChainCountsEveryDepth() {
        let advantages = TreePOAdvantage.advantages(paths: [[0, 0, 0], [0, 0, 1], [1]], rewards: [1, 0, 1])
        for (a, e) in zip(advantages, [4.0 / 9, -5.0 / 9, 1.0 / 3]) { XCTAssertEqual(a, e, accuracy: 1e-15) }
    }

    /// Equal rewards give exactly 0 (0.1 is not exact in binary: a plain mean would leave
    /// a residue); a lone leaf has no subtree to compare with.
    func testEqualRewardsAndLoneLeafGiveZero() {
        XCTAssertEqual(TreePOAdvantage.advantages(paths: [[0, 0], [0, 1], [1], [2]], rewards: [0.1, 0.1, 0.1, 0.1]), [0, 0, 0, 0])
        XCTAssertEqual(TreePOAdvantage.advantages(paths: [[0, 0, 0]], rewards: [1]), [0])
        XCTAssertEqual(TreePOAdvantage.advantages(paths: [], rewards: []), [])
    }

    // MARK: branching

    /// total = max(min(max(W − finished, 0), d·(just_finished + active)), active).
    func testTotalChildren() {
        // The root's two copies, nothing finished: min(16, 2·2) = 4.
        XCTAssertEqual(TreePOBranching.total(leafBudget: 16, initialCopies: 2, finished: 0, justFinished: 0, active: 2), 4)
        // 3 finished (1 just now), 5 going on: min(13, 2·6) = 12.
        XCTAssertEqual(TreePOBranching.total(leafBudget: 16, initialCopies: 2, finished: 3, justFinished: 1, active: 5), 12)
        // Budget nearly spent: min(16 − 14, 2·4) = 2 = active.
        XCTAssertEqual(TreePOBranching.total(leafBudget: 16, initialCopies: 2, finished: 14, justFinished: 2, active: 2), 2)
        // Over budget (only reachable with d > W): every active path still gets one.
        XCTAssertEqual(TreePOBranching.total(leafBudget: 4, initialCopies: 2, finished: 4, justFinished: 0, active: 1), 1)
        // d = 3: min(10 − 1, 3·(1 + 2)) = 9.
        XCTAssertEqual(TreePOBranching.total(leafBudget: 10, initialCopies: 3, finished: 1, justFinished: 1, active: 2), 9)
    }

    /// Even splits give the first total mod n paths one more.
    func testEvenSplit() {
        XCTAssertEqual(TreePOBranching.split(12, weights: [1, 1, 1, 1, 1]), [3, 3, 2, 2, 2])
        XCTAssertEqual(TreePOBranching.split(5, weights: [1, 1, 1, 1]), [2, 1, 1, 1])
        XCTAssertEqual(TreePOBranching.split(4, weights: [1, 1]), [2, 2])
        XCTAssertEqual(TreePOBranching.split(3, weights: [1, 1, 1]), [1, 1, 1])
    }

    /// Weighted splits: floors, then the largest remainders, then at least one each.
    func testWeightedSplit() {
        // Quotas 7.2, 0.8: floors 7, 0; the one left goes to remainder 0.8.
        XCTAssertEqual(TreePOBranching.split(8, weights: [9, 1]), [7, 1])
        // Quotas 3.5, 1, 0.5: floors 3, 1, 0; remainders tie at 0.5, the lower index wins
        // (4, 1, 0); path 2 then takes one from path 0, the furthest above its quota.
        XCTAssertEqual(TreePOBranching.split(5, weights: [7, 2, 1]), [3, 1, 1])
        // Quotas 2.94, 0.03, 0.03: 3, 0, 0, then two bumps from path 0.
        XCTAssertEqual(TreePOBranching.split(3, weights: [98, 1, 1]), [1, 1, 1])
        // A weight of 0 (an underflowed softmax) still gets one child.
        XCTAssertEqual(TreePOBranching.split(4, weights: [1, 0]), [3, 1])
    }

    /// softmax(−logp / T): logp −1 and −2 at T = 1 give 1/(1+e) and e/(1+e) (0.269, 0.731);
    /// 6 children then split 1.61 / 4.39 → 2 / 4. T = 2 halves the scores: 1/(1+√e).
    func testLogprobWeights() {
        let weights = TreePOBranching.logprobWeights([-1, -2], temperature: 1)
        XCTAssertEqual(weights[0], 1 / (1 + M_E), accuracy: 1e-15)
        XCTAssertEqual(weights[1], M_E / (1 + M_E), accuracy: 1e-15)
        XCTAssertEqual(TreePOBranching.split(6, weights: weights), [2, 4])
        XCTAssertEqual(TreePOBranching.logprobWeights([-1, -2], temperature: 2)[0], 1 / (1 + M_E.squareRoot()), accuracy: 1e-15)
        // Far-apart log-probs do not overflow: the lower one takes all the weight.
        XCTAssertEqual(TreePOBranching.logprobWeights([-1000, 0], temperature: 1), [1, 0])
    }

    // MARK: stops

    func testAnswerLine() {
        let check = TreePOAnswerCheck.gsm8k
        XCTAssertFalse(check.completesLine("\n12+8=20\n#### 20"))
        XCTAssertTrue(check.completesLine("\n12+8=20\n#### 20\n"))
        XCTAssertTrue(check.completesLine("#### 20\n#### 3"))
        XCTAssertFalse(check.completesLine("no marker\n"))
        XCTAssertFalse(check.completesLine("### 20\n"))
        XCTAssertTrue(check.holdsMarker("x #### 5"))
        XCTAssertFalse(TreePOAnswerCheck.boxed.completesLine("\\boxed{5}\n"))
        XCTAssertTrue(TreePOAnswerCheck.boxed.holdsMarker("so \\boxed{5}"))
        XCTAssertEqual(TreePOAnswerCheck(reward: .gsm8k), .gsm8k)
        XCTAssertEqual(TreePOAnswerCheck(reward: .boxed), .boxed)
    }

    /// The cut keeps the fewest segment tokens that complete the answer line: the marker
    /// may start in the prefix ("…#" + "### 20\n" = 7 tokens kept of 10).
    func testAnswerCut() {
        let tokenizer = CharacterTokenizer.makeDefault()
        let check = TreePOAnswerCheck.gsm8k
        let prefix = tokenizer.encode("\n12+8=20\n#")
        XCTAssertEqual(check.cut(prefix: prefix, segment: tokenizer.encode("### 20\nxyz"), tokenizer: tokenizer), 7)
        XCTAssertEqual(check.cut(prefix: prefix, segment: tokenizer.encode("### 20\n"), tokenizer: tokenizer), 7)
        XCTAssertNil(check.cut(prefix: prefix, segment: tokenizer.encode("### 20"), tokenizer: tokenizer))
        XCTAssertNil(check.cut(prefix: tokenizer.encode("\n12+8=20\n"), segment: tokenizer.encode("## 20\n"), tokenizer: tokenizer))
        XCTAssertNil(TreePOAnswerCheck.boxed.cut(prefix: [], segment: tokenizer.encode("\\boxed{1}\n"), tokenizer: tokenizer))
    }

    /// Occurrences counted as Python's str.count counts them: not overlapping.
    func testRepetition() {
        XCTAssertTrue(TreePORepetition.isRepetitive(String(repeating: "ab", count: 8), substringCharacters: 2, minOccurrences: 8))
        XCTAssertFalse(TreePORepetition.isRepetitive(String(repeating: "ab", count: 7) + "a", substringCharacters: 2, minOccurrences: 8))
        // "aaaa" holds "aa" twice, not three times.
        XCTAssertTrue(TreePORepetition.isRepetitive("aaaa", substringCharacters: 2, minOccurrences: 2))
        XCTAssertFalse(TreePORepetition.isRepetitive("aaaa", substringCharacters: 2, minOccurrences: 3))
        // The defaults: a 32-character block 8 times (256 characters), not 7.
        let block = "abcdefghijklmnopqrstuvwxyz012345"
        XCTAssertEqual(block.count, 32)
        XCTAssertTrue(TreePORepetition.isRepetitive(String(repeating: block, count: 8), substringCharacters: 32, minOccurrences: 8))
        XCTAssertFalse(TreePORepetition.isRepetitive(String(repeating: block, count: 7) + "abc", substringCharacters: 32, minOccurrences: 8))
        XCTAssertFalse(TreePORepetition.isRepetitive("short", substringCharacters: 32, minOccurrences: 8))
    }

    func testTruncatingStops() {
        XCTAssertEqual(TreePOStopReason.allCases.filter(\.isTruncation), [.length, .maxDepth, .repetition])
    }
}
