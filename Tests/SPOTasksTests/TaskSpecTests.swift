import Foundation
import XCTest

@testable import SPOTasks

final class TaskSpecTests: XCTestCase {
    private func decode(_ json: String) throws -> TaskSpec {
        try JSONFile.decode(TaskSpec.self, from: Data(json.utf8), source: "spec.json")
    }

    private func decodingError(_ json: String) -> TaskError? {
        TestSupport.taskError { _ = try self.decode(json) }
    }

    func testKindsAndDefaults() throws {
        let arithmetic = try decode(#"{"kind": "arithmetic", "config": "configs/tasks/arithmetic.json"}"#)
        XCTAssertEqual(arithmetic.source, .arithmetic(config: "configs/tasks/arithmetic.json"))
        XCTAssertEqual(arithmetic.promptTemplate, .mathTask)
        XCTAssertEqual(arithmetic.reward, .gsm8k)
        let gsm8k = try decode(#"{"kind": "gsm8k_jsonl", "train": "a.jsonl", "test": "b.jsonl"}"#)
        XCTAssertEqual(gsm8k.source, .gsm8kJSONL(train: "a.jsonl", test: "b.jsonl"))
        XCTAssertEqual(gsm8k.reward, .gsm8k)
        let math = try decode(
            #"{"kind": "math_jsonl", "train": "a", "test": "b", "prompt_template": "Q: {question}\nA:"}"#)
        XCTAssertEqual(math.reward, .boxed)
        XCTAssertEqual(math.promptTemplate.render(question: "1+1?"), "Q: 1+1?\nA:")
        let overridden = try decode(#"{"kind": "math_jsonl", "train": "a", "test": "b", "reward": "gsm8k"}"#)
        XCTAssertEqual(overridden.reward, .gsm8k)
    }

    func testRoundTrip() throws {
        let spec = TaskSpec(source: .mathJSONL(train: "t", test: "u"))
        XCTAssertEqual(try JSONDecoder().decode(TaskSpec.self, from: JSONEncoder().encode(spec)), spec)
    }

    func testUnknownKindListsTheValidKinds() {
        let error = decodingError(#"{"kind": "svamp"}"#)
        XCTAssertEqual(error?.location, "kind")
        XCTAssertTrue(
            error?.problem.contains(#"valid kinds: "arithmetic", "gsm8k_jsonl", "math_jsonl""#) ?? false,
            "\(String(describing: error))")
    }

    func testKeyErrors() {
        XCTAssertEqual(decodingError(#"{"kind": "gsm8k_jsonl", "train": "a"}"#)?.location, "test")
        let stray = decodingError(#"{"kind": "arithmetic", "config": "c", "train": "a"}"#)
        XCTAssertEqual(stray?.location, "train")
        XCTAssertTrue(stray?.problem.contains("not used by kind \"arithmetic\"") ?? false)
        let reward = decodingError(#"{"kind": "arithmetic", "config": "c", "reward": "exact"}"#)
        XCTAssertEqual(reward?.location, "reward")
        XCTAssertTrue(reward?.problem.contains(#"valid: "gsm8k", "boxed""#) ?? false)
        let template = decodingError(#"{"kind": "arithmetic", "config": "c", "prompt_template": "Q:"}"#)
        XCTAssertEqual(template?.location, "prompt_template")
    }

    func testRewardDispatch() throws {
        let gsm8k = TaskSpec(source: .arithmetic(config: "c"))
        XCTAssertEqual(gsm8k.reward(response: "#### 5", gold: "5", truncated: false), 1)
        XCTAssertEqual(gsm8k.reward(response: "#### 5 #### 5", gold: "5", truncated: false), -2)
        let boxed = TaskSpec(source: .mathJSONL(train: "a", test: "b"))
        XCTAssertEqual(boxed.reward(response: #"\boxed{5}"#, gold: "5", truncated: false), 1)
        XCTAssertEqual(boxed.reward(response: "#### 5", gold: "5", truncated: false), 0)
    }

    func testLoadArithmeticFromTheRepository() throws {
        let spec = try decode(#"{"kind": "arithmetic", "config": "configs/tasks/arithmetic.json"}"#)
        let test = try spec.load(split: .test, count: 3, baseDirectory: TestSupport.packageRoot)
        let task = try ArithmeticTask(contentsOf: TestSupport.defaultConfigURL)
        XCTAssertEqual(test, try task.problems(split: .test, count: 3))
        XCTAssertEqual(try spec.load(split: .train, count: nil, baseDirectory: TestSupport.packageRoot).count, 20_000)
    }

    func testLoadJSONLRelativeToABaseDirectoryWithCounts() throws {
        let fixtures = TestSupport.fixture("")
        let spec = try TaskSpec.load(contentsOf: TestSupport.fixture("task_gsm8k.json"))
        XCTAssertEqual(try spec.load(split: .train, count: nil, baseDirectory: fixtures).count, 3)
        XCTAssertEqual(try spec.load(split: .test, count: 2, baseDirectory: fixtures).map(\.answer), ["29", "1234"])
        let error = TestSupport.taskError { _ = try spec.load(split: .test, count: 4, baseDirectory: fixtures) }
        XCTAssertTrue(error?.problem.contains("the file holds 3") ?? false, "\(String(describing: error))")
        let absolute = TaskSpec(
            source: .gsm8kJSONL(train: TestSupport.fixture("gsm8k_sample.jsonl").path, test: "unused"))
        XCTAssertEqual(try absolute.load(split: .train, count: 1, baseDirectory: URL(fileURLWithPath: "/nowhere")).count, 1)
    }
}
