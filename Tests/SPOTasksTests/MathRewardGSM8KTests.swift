import XCTest

@testable import SPOTasks

/// Expected values follow method.md section 1 worked by hand, and CPython's `str.split`,
/// `str.strip` and `str.lower` where the text is unusual.
final class MathRewardGSM8KTests: XCTestCase {
    private func reward(_ response: String, _ gold: String, truncated: Bool = false) -> Double {
        MathReward.gsm8k(response: response, gold: gold, truncated: truncated)
    }

    func testCorrectStepByStepAnswerScoresOne() {
        XCTAssertEqual(reward("12*3=36\n36-7=29\n#### 29", "29"), 1)
    }

    func testWrongAnswerScoresZero() {
        XCTAssertEqual(reward("12*3=36\n36-7=28\n#### 28", "29"), 0)
    }

    func testEmptyAndMarkerlessResponsesScoreZero() {
        XCTAssertEqual(reward("", "42"), 0)
        XCTAssertEqual(reward("the answer is 42", "42"), 0)
        XCTAssertEqual(reward("### 42", "42"), 0)
    }

    func testOnlyMarkerOrNothingAfterItIsAnEmptyPrediction() {
        XCTAssertEqual(reward("####", "42"), 0)
        XCTAssertEqual(reward("12*3=36\n####   \n", "36"), 0)
        // "" == "".strip().lower(): the formula scores an empty gold as matched.
        XCTAssertEqual(reward("####", ""), 1)
    }

    func testSeveralMarkersArePenalisedEvenWhenTheLastIsRight() {
        XCTAssertEqual(reward("#### 29\n#### 29", "29"), -2)
        XCTAssertEqual(reward("a #### 1 b #### 2 c #### 29", "29"), -2)
    }

    func testTruncationIsCheckedBeforeTheFormatPenalty() {
        XCTAssertEqual(reward("#### 29", "29", truncated: true), 0)
        XCTAssertEqual(reward("#### 29\n#### 29", "29", truncated: true), 0)
    }

    func testMarkersAreCountedLikePythonSplit() {
        // "#####".split("####") == ["", "#"]: one marker, prediction "# 29".
        XCTAssertEqual(MathReward.extractGSM8KAnswer("##### 29"), .single("# 29"))
        XCTAssertEqual(reward("##### 29", "29"), 0)
        // Eight "#" are two markers; seven are one marker followed by "###".
        XCTAssertEqual(MathReward.extractGSM8KAnswer("######## 29"), .multiple(last: "29"))
        XCTAssertEqual(MathReward.extractGSM8KAnswer("####### 29"), .single("### 29"))
    }

    func testExtractionStripsAndKeepsTheLastAnswer() {
        XCTAssertEqual(MathReward.extractGSM8KAnswer(""), ExtractedAnswer.none)
        XCTAssertEqual(MathReward.extractGSM8KAnswer("x\n#### 29\n"), .single("29"))
        XCTAssertEqual(MathReward.extractGSM8KAnswer("#### 1 #### 2 "), .multiple(last: "2"))
    }

    func testTrailingTextMakesTheAnswerWrong() {
        XCTAssertEqual(reward("#### 42 apples", "42"), 0)
        XCTAssertEqual(reward("#### 42.", "42"), 0)
    }

    func testCommasAreRemovedFromThePredictionOnly() {
        XCTAssertEqual(reward("#### 1,234", "1234"), 1)
        XCTAssertEqual(reward("#### 1,2,3,4", "1234"), 1)
        XCTAssertEqual(reward("#### 1234", "1,234"), 0)
    }

    func testCaseIsIgnoredOnBothSides() {
        XCTAssertEqual(reward("#### YES", "yes"), 1)
        XCTAssertEqual(reward("#### yes", "Yes"), 1)
    }

    func testNegativeNumbers() {
        XCTAssertEqual(reward("5-8=-3\n#### -3", "-3"), 1)
        XCTAssertEqual(reward("#### 3", "-3"), 0)
        // U+2212 MINUS SIGN is not U+002D HYPHEN-MINUS.
        XCTAssertEqual(reward("#### \u{2212}3", "-3"), 0)
    }

    func testHugeNumbersAreComparedAsText() {
        let fifty = "12345678901234567890123456789012345678901234567890"
        XCTAssertEqual(reward("#### \(fifty)", fifty), 1)
        XCTAssertEqual(reward("#### \(fifty)", String(fifty.dropLast()) + "1"), 0)
        XCTAssertEqual(reward("#### 042", "42"), 0)
    }

    func testUnicodeDigitsAreNotASCIIDigits() {
        XCTAssertEqual(reward("#### \u{0664}\u{0662}", "42"), 0)  // Arabic-Indic ٤٢
        XCTAssertEqual(reward("#### \u{FF14}\u{FF12}", "42"), 0)  // fullwidth ４２
        XCTAssertEqual(reward("#### \u{0664}\u{0662}", "\u{0664}\u{0662}"), 1)
    }

    func testPythonWhitespaceIsStripped() {
        // All of these are str.isspace() in CPython, U+001C included.
        XCTAssertEqual(reward("####\u{00A0}42\u{3000}\r\n", "42"), 1)
        XCTAssertEqual(reward("####\u{1C}42\u{2029}", "\t42 "), 1)
        // U+200B ZERO WIDTH SPACE is not whitespace for Python.
        XCTAssertEqual(reward("#### \u{200B}42", "42"), 0)
    }

    func testCodePointsNotCanonicalEquivalenceAreCompared() {
        // Swift's == would call these equal; Python's == does not.
        XCTAssertEqual(reward("#### \u{E9}", "e\u{301}"), 0)
        XCTAssertEqual(reward("#### \u{E9}", "\u{C9}"), 1)
    }

    func testFinalSigmaIsTheDocumentedDifferenceFromPython() {
        // Python lowers "ΑΣ" to "ας", Swift to "ασ"; equal inputs still match.
        XCTAssertEqual(reward("#### \u{391}\u{3A3}", "\u{391}\u{3A3}"), 1)
        XCTAssertEqual(reward("#### \u{3B1}\u{3C2}", "\u{391}\u{3A3}"), 0)
    }

    func testHundredKilobyteResponses() {
        let steps = String(repeating: "1+1=2\n", count: 17_000)  // 102,000 bytes
        XCTAssertEqual(reward(steps + "#### 2", "2"), 1)
        XCTAssertEqual(reward(steps, "2"), 0)
        XCTAssertEqual(reward(String(repeating: "#", count: 100_000), "2"), -2)
        XCTAssertEqual(
            MathReward.extractGSM8KAnswer("#### " + String(repeating: "9", count: 100_000)),
            .single(String(repeating: "9", count: 100_000)))
    }
}
