import Foundation
import XCTest

@testable import SPOTasks

/// Paths and builders shared by the tests.
enum TestSupport {
    /// The package root (this file is `Tests/SPOTasksTests/TestSupport.swift`).
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The shipped default task configuration.
    static let defaultConfigURL = packageRoot.appendingPathComponent("configs/tasks/arithmetic.json")

    /// A fixture file bundled with the tests.
    static func fixture(_ name: String) -> URL {
        Bundle.module.resourceURL!.appendingPathComponent("Fixtures").appendingPathComponent(name)
    }

    /// The characters of the default character tokenizer: newline, space and printable
    /// ASCII except `` ` { | } ~ ``.
    static let tokenizerCharacters = Set(
        "\n !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_abcdefghijklmnopqrstuvwxyz")

    /// A one-story configuration with a single name, for problems worked out by hand.
    static func smallConfig(
        operations: [ArithmeticOperation], ranges: [ArithmeticOperation: OperandRange],
        start: OperandRange, steps: ClosedRange<Int>, maxValue: Int = 999, trainSize: Int = 100,
        productOpening: String? = nil, stepSentences: [ArithmeticOperation: [String]]? = nil
    ) -> ArithmeticTaskConfig {
        let template = ArithmeticTemplate(
            opening: "{name} has {a} apples.", productOpening: productOpening,
            steps: stepSentences ?? [
                .add: ["{name} picks {n} more apples."],
                .subtract: ["{name} eats {n} apples."],
                .multiply: ["Later {name} has {n} times as many."],
                .divide: ["{name} keeps one of {n} equal shares."],
            ],
            question: "How many apples does {name} have now?")
        return ArithmeticTaskConfig(
            seed: 1, trainSize: trainSize, testSize: 10, minSteps: steps.lowerBound,
            maxSteps: steps.upperBound, maxValue: maxValue, startRange: start,
            operations: operations, operandRanges: ranges, names: ["Tom"], templates: [template])
    }

    /// The default configuration as a JSON object, changed by `change`, as data.
    static func changedDefault(_ change: (inout [String: Any]) -> Void) throws -> Data {
        let data = try Data(contentsOf: defaultConfigURL)
        var object = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        change(&object)
        return try JSONSerialization.data(withJSONObject: object)
    }

    /// The `TaskError` thrown by `body`, failing the test if it throws none or another error.
    static func taskError(
        file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> Void
    ) -> TaskError? {
        do {
            try body()
            XCTFail("expected a TaskError, none was thrown", file: file, line: line)
        } catch let error as TaskError {
            return error
        } catch {
            XCTFail("expected a TaskError, got \(error)", file: file, line: line)
        }
        return nil
    }
}
