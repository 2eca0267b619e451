import XCTest

@testable import SPOTasks

final class DatasetLoaderTests: XCTestCase {
    func testGSM8KSample() throws {
        let problems = try DatasetLoader.gsm8kJSONL(url: TestSupport.fixture("gsm8k_sample.jsonl"))
        XCTAssertEqual(problems.map(\.id), ["gsm8k_sample.jsonl:1", "gsm8k_sample.jsonl:3", "gsm8k_sample.jsonl:4"])
        XCTAssertEqual(problems.map(\.answer), ["29", "1234", "-3"])
        XCTAssertEqual(
            problems[0].question,
            "Tom has 12 boxes. Each box holds 3 apples. He gives away 7 apples. How many apples does he have left?")
        XCTAssertEqual(
            problems[0].solution,
            "He has 12*3=<<12*3=36>>36 apples.\nHe keeps 36-7=<<36-7=29>>29 apples.\n#### 29")
        XCTAssertEqual(problems[2].solution, "5-8=-3\n#### -3 ")
        for problem in problems {
            XCTAssertEqual(MathReward.gsm8k(response: problem.solution, gold: problem.answer, truncated: false), 1)
        }
    }

    func testMalformedLineIsNamed() {
        let url = TestSupport.fixture("gsm8k_malformed.jsonl")
        let error = TestSupport.taskError { _ = try DatasetLoader.gsm8kJSONL(url: url) }
        XCTAssertEqual(error?.source, url.path)
        XCTAssertEqual(error?.location, "line 2")
        XCTAssertTrue(error?.value.hasPrefix("{\"question\": \"What is 3+3?\"") ?? false)
        XCTAssertTrue(error?.problem.contains("not valid JSON") ?? false)
    }

    func testMissingKeyIsNamedWithItsLine() {
        let error = TestSupport.taskError {
            _ = try DatasetLoader.gsm8kJSONL(url: TestSupport.fixture("gsm8k_missing_key.jsonl"))
        }
        XCTAssertEqual(error?.location, "line 3")
        XCTAssertTrue(error?.problem.contains("key \"answer\" is missing") ?? false)
    }

    func testAnswerWithoutMarkerOrWithEmptyGoldIsAnError() {
        let noMarker = TestSupport.taskError {
            _ = try DatasetLoader.gsm8kJSONL(url: TestSupport.fixture("gsm8k_no_marker.jsonl"))
        }
        XCTAssertEqual(noMarker?.location, "line 1")
        XCTAssertTrue(noMarker?.problem.contains("has no \"####\"") ?? false)
        let empty = TestSupport.taskError {
            _ = try DatasetLoader.gsm8kJSONL(url: TestSupport.fixture("gsm8k_empty_answer.jsonl"))
        }
        XCTAssertTrue(empty?.problem.contains("nothing follows") ?? false)
        let number = TestSupport.taskError {
            _ = try DatasetLoader.gsm8kJSONL(url: TestSupport.fixture("gsm8k_number_answer.jsonl"))
        }
        XCTAssertTrue(number?.problem.contains("key \"answer\" must hold a string") ?? false)
    }

    func testMATHSample() throws {
        let problems = try DatasetLoader.mathJSONL(url: TestSupport.fixture("math_sample.jsonl"))
        XCTAssertEqual(problems.map(\.answer), [#"\frac{1}{2}"#, "2"])
        XCTAssertEqual(problems[1].question, "Solve $x+1=3$.")
        XCTAssertEqual(MathReward.boxed(response: #"so \boxed{\dfrac12}"#, gold: "\\frac12", truncated: false), 1)
        for problem in problems {
            XCTAssertEqual(MathReward.boxed(response: problem.solution, gold: problem.answer, truncated: false), 1)
        }
    }

    func testMATHLineWithoutBalancedBoxIsNamed() {
        let error = TestSupport.taskError {
            _ = try DatasetLoader.mathJSONL(url: TestSupport.fixture("math_no_boxed.jsonl"))
        }
        XCTAssertEqual(error?.location, "line 2")
        XCTAssertTrue(error?.problem.contains("\\boxed") ?? false)
    }

    func testMissingFileIsNamed() {
        let url = TestSupport.fixture("absent.jsonl")
        let error = TestSupport.taskError { _ = try DatasetLoader.mathJSONL(url: url) }
        XCTAssertEqual(error?.source, url.path)
        XCTAssertTrue(error?.problem.contains("cannot read the file") ?? false)
    }
}
