import XCTest

@testable import SPOTasks

/// Expected values are the documented extraction and normalization rules applied by hand.
final class MathRewardBoxedTests: XCTestCase {
    private func reward(_ response: String, _ gold: String, truncated: Bool = false) -> Double {
        MathReward.boxed(response: response, gold: gold, truncated: truncated)
    }

    func testNestedBracesAreKept() {
        XCTAssertEqual(MathReward.extractBoxed(#"so $\boxed{\frac{1}{2}}$."#), #"\frac{1}{2}"#)
        XCTAssertEqual(MathReward.extractBoxed(#"\boxed{{a}{b}}"#), "{a}{b}")
        XCTAssertEqual(reward(#"so $\boxed{\frac{1}{2}}$."#, #"\frac{1}{2}"#), 1)
        XCTAssertEqual(reward(#"\boxed{\frac{1}{3}}"#, #"\frac{1}{2}"#), 0)
    }

    func testTheLastBoxIsTheAnswer() {
        XCTAssertEqual(MathReward.extractBoxed(#"\boxed{3} no, \boxed{5}"#), "5")
        XCTAssertEqual(reward(#"\boxed{3} no, \boxed{5}"#, "5"), 1)
        XCTAssertEqual(reward(#"\boxed{3} no, \boxed{5}"#, "3"), 0)
        XCTAssertEqual(MathReward.extractBoxed(#"\boxed{\boxed{7}}"#), "7")
    }

    func testUnbalancedOrMissingBoxIsNoAnswer() {
        XCTAssertNil(MathReward.extractBoxed(""))
        XCTAssertNil(MathReward.extractBoxed("the answer is 5"))
        XCTAssertNil(MathReward.extractBoxed(#"\boxed{5"#))
        XCTAssertNil(MathReward.extractBoxed(#"\boxed{\frac{1}{2}"#))
        XCTAssertNil(MathReward.extractBoxed(#"\boxed{3} then \boxed{5"#))
        XCTAssertNil(MathReward.extractBoxed(#"\boxed 5"#))
        XCTAssertEqual(reward(#"\boxed{5"#, "5"), 0)
    }

    func testEscapedBracesCountLikeTheReference() {
        XCTAssertEqual(MathReward.extractBoxed(#"\boxed{\{1,2\}}"#), #"\{1,2\}"#)
    }

    func testEmptyBoxAndTruncationScoreZero() {
        XCTAssertEqual(MathReward.extractBoxed(#"\boxed{}"#), "")
        XCTAssertEqual(reward(#"\boxed{}"#, ""), 0)
        XCTAssertEqual(reward(#"\boxed{ $ }"#, "$"), 0)
        XCTAssertEqual(reward(#"\boxed{5}"#, "5", truncated: true), 0)
    }

    func testNormalizationRules() {
        let cases: [(String, String)] = [
            (#"\dfrac{1}{2}"#, #"\frac{1}{2}"#),
            (#"\tfrac12"#, #"\frac12"#),
            (#"\text{ cm }"#, "cm"),
            (#"\text{(A)}"#, "(A)"),
            (#"\text{a{b}c}"#, "a{b}c"),
            (#"\left[0, 1\right)"#, "[0,1)"),
            (#"3\!000"#, "3000"),
            ("$x$", "x"),
            ("5..", "5"),
            (" 0.5 ", "0.5"),
            (#"\leftarrow"#, "arrow"),
            ("a\n\u{3000}b", "ab"),
            ("1,000", "1,000"),
            ("X", "X"),
        ]
        for (input, expected) in cases {
            XCTAssertEqual(MathReward.normalizeBoxedAnswer(input), expected, "normalizing \(input)")
        }
    }

    func testNormalizedComparison() {
        XCTAssertEqual(reward(#"\boxed{\dfrac{1}{2}}"#, #"\frac{1}{2}"#), 1)
        XCTAssertEqual(reward(#"\boxed{\text{(A)}}"#, "(A)"), 1)
        XCTAssertEqual(reward(#"\boxed{\left( 1, 2 \right)}"#, "(1,2)"), 1)
        XCTAssertEqual(reward(#"\boxed{5.}"#, "5"), 1)
        XCTAssertEqual(reward(#"\boxed{0.5}"#, #"\frac{1}{2}"#), 0)
        XCTAssertEqual(reward(#"\boxed{x}"#, "X"), 0)
    }

    func testUnicodeDigitsDoNotMatchASCII() {
        XCTAssertEqual(reward("\\boxed{\u{0664}\u{0662}}", "42"), 0)
    }

    func testHundredKilobyteResponses() {
        let filler = String(repeating: "a", count: 100_000)
        XCTAssertNil(MathReward.extractBoxed(filler))
        XCTAssertEqual(reward(filler + #"\boxed{42}"#, "42"), 1)
        let deep = String(repeating: "{", count: 50_000) + String(repeating: "}", count: 50_000)
        XCTAssertEqual(MathReward.extractBoxed(#"\boxed{"# + deep + "}"), deep)
        XCTAssertNil(MathReward.extractBoxed(String(repeating: #"\boxed{"#, count: 15_000)))
        XCTAssertEqual(MathReward.normalizeBoxedAnswer(String(repeating: #"\text{ 1}"#, count: 12_000)).count, 12_000)
    }
}
