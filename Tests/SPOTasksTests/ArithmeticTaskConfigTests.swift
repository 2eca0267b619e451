import Foundation
import XCTest

@testable import SPOTasks

final class ArithmeticTaskConfigTests: XCTestCase {
    private func error(_ change: (inout [String: Any]) -> Void) throws -> TaskError? {
        let data = try TestSupport.changedDefault(change)
        return TestSupport.taskError {
            let config = try JSONFile.decode(ArithmeticTaskConfig.self, from: data, source: "test.json")
            _ = try ArithmeticTask(config: config, source: "test.json")
        }
    }

    private func firstTemplate(_ object: inout [String: Any], _ change: (inout [String: Any]) -> Void) {
        var templates = object["templates"] as! [[String: Any]]
        change(&templates[0])
        object["templates"] = templates
    }

    func testDefaultFileLoadsAndRoundTrips() throws {
        let config = try ArithmeticTaskConfig.load(contentsOf: TestSupport.defaultConfigURL)
        XCTAssertEqual(config.minSteps, 2)
        XCTAssertEqual(config.maxSteps, 3)
        XCTAssertEqual(config.operations, [.add, .subtract, .multiply, .divide])
        XCTAssertEqual(config.operandRanges[.multiply], OperandRange(min: 2, max: 5))
        let encoded = try JSONEncoder().encode(config)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: encoded) as? [String: Any])
        XCTAssertNotNil(object["operand_ranges"] as? [String: Any], "ranges encode as an object by name")
        XCTAssertEqual(try JSONDecoder().decode(ArithmeticTaskConfig.self, from: encoded), config)
    }

    func testUnknownOperationsListTheValidOnes() throws {
        let listed = try error { $0["operations"] = ["add", "power"] }
        XCTAssertEqual(listed?.location, "operations[1]")
        XCTAssertTrue(listed?.problem.contains("valid: add, subtract, multiply, divide") ?? false)
        let keyed = try error { object in
            var ranges = object["operand_ranges"] as! [String: Any]
            ranges["power"] = ["min": 1, "max": 2]
            object["operand_ranges"] = ranges
        }
        XCTAssertEqual(keyed?.location, "operand_ranges.power")
        let stepKey = try error { object in
            self.firstTemplate(&object) { $0["steps"] = ["plus": ["{n} more."]] }
        }
        XCTAssertEqual(stepKey?.location, "templates[0].steps.plus")
    }

    func testNumericRules() throws {
        XCTAssertEqual(try error { $0["min_steps"] = 0 }?.location, "min_steps")
        XCTAssertEqual(try error { $0["max_steps"] = 1 }?.location, "max_steps")
        XCTAssertEqual(try error { $0["train_size"] = 0 }?.location, "train_size")
        XCTAssertEqual(try error { $0["start_range"] = ["min": 10, "max": 1000] }?.location, "start_range.max")
        XCTAssertEqual(try error { $0["start_range"] = ["min": 0, "max": 10] }?.location, "start_range.min")
        XCTAssertEqual(try error { $0["operations"] = ["add", "add"] }?.location, "operations[1]")
        XCTAssertEqual(try error { $0["names"] = [String]() }?.location, "names")
        XCTAssertEqual(try error { $0["names"] = ["Tom", "{x}"] }?.location, "names[1]")
        let missingRange = try error { object in
            var ranges = object["operand_ranges"] as! [String: Any]
            ranges["divide"] = nil
            object["operand_ranges"] = ranges
        }
        XCTAssertEqual(missingRange?.location, "operand_ranges.divide")
        let badRange = try error { object in
            var ranges = object["operand_ranges"] as! [String: Any]
            ranges["add"] = ["min": 9, "max": 2]
            object["operand_ranges"] = ranges
        }
        XCTAssertEqual(badRange?.location, "operand_ranges.add.max")
        XCTAssertEqual(badRange?.value, "2")
    }

    func testMissingKeyIsNamed() throws {
        let missing = try error { $0["seed"] = nil }
        XCTAssertEqual(missing?.location, "seed")
        XCTAssertEqual(missing?.source, "test.json")
    }

    func testSentenceRules() throws {
        let noOperand = try error { object in
            self.firstTemplate(&object) { $0["steps"] = ["add": ["{name} picks more apples."]] }
        }
        XCTAssertEqual(noOperand?.location, "templates[0].steps.add[0]")
        XCTAssertEqual(noOperand?.value, "\"{name} picks more apples.\"")
        XCTAssertTrue(noOperand?.problem.contains("{n} exactly once, found 0") ?? false)
        let unknown = try error { object in self.firstTemplate(&object) { $0["question"] = "How many {item}?" } }
        XCTAssertEqual(unknown?.location, "templates[0].question")
        XCTAssertTrue(unknown?.problem.contains("unknown placeholder {item}") ?? false)
        let unclosed = try error { object in self.firstTemplate(&object) { $0["opening"] = "{name has {a}." } }
        XCTAssertEqual(unclosed?.location, "templates[0].opening")
        let stray = try error { object in self.firstTemplate(&object) { $0["opening"] = "{name} has {a}}." } }
        XCTAssertTrue(stray?.problem.contains("has no \"{\"") ?? false)
        let twice = try error { object in
            self.firstTemplate(&object) { $0["product_opening"] = "{a} bags of {a} apples." }
        }
        XCTAssertEqual(twice?.location, "templates[0].product_opening")
        let empty = try error { object in self.firstTemplate(&object) { $0["steps"] = ["add": [String]()] } }
        XCTAssertEqual(empty?.location, "templates[0].steps.add")
    }

    func testNoUsableTemplateIsAnError() throws {
        let config = TestSupport.smallConfig(
            operations: [.divide], ranges: [.divide: OperandRange(min: 2, max: 9)],
            start: OperandRange(min: 12, max: 12), steps: 1...1,
            stepSentences: [.add: ["{name} picks {n} more apples."]])
        let error = TestSupport.taskError { _ = try ArithmeticTask(config: config) }
        XCTAssertEqual(error?.location, "templates")
    }

    func testUnreadableFileIsNamed() {
        let url = URL(fileURLWithPath: "/nonexistent/arithmetic.json")
        let error = TestSupport.taskError { _ = try ArithmeticTaskConfig.load(contentsOf: url) }
        XCTAssertEqual(error?.source, "/nonexistent/arithmetic.json")
        XCTAssertTrue(error?.problem.contains("cannot read the file") ?? false)
    }

    func testInvalidJSONIsNamed() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("spo-tasks-invalid-\(UUID()).json")
        try Data(#"{"seed": 1,"#.utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let error = TestSupport.taskError { _ = try ArithmeticTask(contentsOf: url) }
        XCTAssertEqual(error?.source, url.path)
        XCTAssertTrue(error?.problem.contains("not valid JSON") ?? false, "\(String(describing: error))")
    }

    func testErrorDescriptionIsOneActionableLine() {
        let error = TaskError(source: "a.json", location: "min_steps", value: "0", problem: "must be at least 1")
        XCTAssertEqual(error.description, "task data a.json: min_steps = 0: must be at least 1")
        XCTAssertEqual(TaskError(source: "s", location: "", value: String(repeating: "x", count: 100), problem: "p").value.count, 80)
    }
}
