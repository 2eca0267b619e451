import XCTest

@testable import SPOTasks

final class ArithmeticTaskTests: XCTestCase {
    func testAFullyDeterminedProblem() throws {
        let config = TestSupport.smallConfig(
            operations: [.add], ranges: [.add: OperandRange(min: 3, max: 3)],
            start: OperandRange(min: 5, max: 5), steps: 2...2)
        let problem = try ArithmeticTask(config: config).problems(split: .train, count: 1)[0]
        XCTAssertEqual(problem.id, "arithmetic-train-0")
        XCTAssertEqual(
            problem.question,
            "Tom has 5 apples. Tom picks 3 more apples. Tom picks 3 more apples. "
                + "How many apples does Tom have now?")
        XCTAssertEqual(problem.solution, "5+3=8\n8+3=11\n#### 11")
        XCTAssertEqual(problem.answer, "11")
    }

    func testInfeasibleAttemptsAreRetriedUntilTheProductOpeningIsUsed() throws {
        // Without the product opening, 4-2=2 then 2-2=0 leaves 1...max_value: rejected.
        // With it, 4*3=12 then 12-2=10 is the only problem left.
        let config = TestSupport.smallConfig(
            operations: [.multiply, .subtract],
            ranges: [.multiply: OperandRange(min: 3, max: 3), .subtract: OperandRange(min: 2, max: 2)],
            start: OperandRange(min: 4, max: 4), steps: 2...2,
            productOpening: "{name} has {a} bags with {b} apples in each.",
            stepSentences: [.subtract: ["{name} eats {n} apples."]])
        let problems = try ArithmeticTask(config: config).problems(split: .train, count: 20)
        for problem in problems {
            XCTAssertEqual(
                problem.question,
                "Tom has 4 bags with 3 apples in each. Tom eats 2 apples. How many apples does Tom have now?")
            XCTAssertEqual(problem.solution, "4*3=12\n12-2=10\n#### 10")
        }
    }

    func testDivisionIsExact() throws {
        // The divisors of 12 in 2...9 are 2, 3, 4, 6: quotients 6, 4, 3, 2.
        let config = TestSupport.smallConfig(
            operations: [.divide], ranges: [.divide: OperandRange(min: 2, max: 9)],
            start: OperandRange(min: 12, max: 12), steps: 1...1)
        let problems = try ArithmeticTask(config: config).problems(split: .train, count: 100)
        XCTAssertEqual(Set(problems.map(\.answer)), ["6", "4", "3", "2"])
        for problem in problems {
            XCTAssertEqual(problem.solution, "12/\(12 / Int(problem.answer)!)=\(problem.answer)\n#### \(problem.answer)")
        }
    }

    func testImpossibleConfigurationIsAnError() throws {
        // 7 is prime: no divisor in 2...6.
        let config = TestSupport.smallConfig(
            operations: [.divide], ranges: [.divide: OperandRange(min: 2, max: 6)],
            start: OperandRange(min: 7, max: 7), steps: 1...1)
        let task = try ArithmeticTask(config: config)
        let error = TestSupport.taskError { _ = try task.problems(split: .train, count: 1) }
        XCTAssertTrue(error?.problem.contains("1000 attempts") ?? false, "\(String(describing: error))")
    }

    func testTrainSplitSizeAndNegativeCountsAreChecked() throws {
        let config = TestSupport.smallConfig(
            operations: [.add], ranges: [.add: OperandRange(min: 1, max: 9)],
            start: OperandRange(min: 1, max: 9), steps: 1...2, trainSize: 5)
        let task = try ArithmeticTask(config: config)
        XCTAssertEqual(try task.problems(split: .train, count: 5).count, 5)
        XCTAssertEqual(try task.problems(split: .train, count: 0), [])
        let tooMany = TestSupport.taskError { _ = try task.problems(split: .train, count: 6) }
        XCTAssertEqual(tooMany?.location, "train_size")
        XCTAssertNotNil(TestSupport.taskError { _ = try task.problems(split: .test, count: -1) })
    }

    func testTestSplitSkipsTrainQuestionsInASmallSpace() throws {
        // Questions differ only by start 1...3 and operand 1...2: six in all.
        let config = TestSupport.smallConfig(
            operations: [.add], ranges: [.add: OperandRange(min: 1, max: 2)],
            start: OperandRange(min: 1, max: 3), steps: 1...1, trainSize: 4)
        let task = try ArithmeticTask(config: config)
        let train = Set(try task.problems(split: .train, count: 4).map(\.question))
        let test = try task.problems(split: .test, count: 6 - train.count)
        XCTAssertEqual(Set(test.map(\.question)).count, test.count)
        XCTAssertTrue(Set(test.map(\.question)).isDisjoint(with: train))
        XCTAssertEqual(Set(test.map(\.question)).union(train).count, 6)
        let error = TestSupport.taskError { _ = try task.problems(split: .test, count: 7 - train.count) }
        XCTAssertTrue(error?.problem.contains("found only") ?? false, "\(String(describing: error))")
    }

    func testProblemsAreDeterministicAndPrefixStable() throws {
        let task = try ArithmeticTask(contentsOf: TestSupport.defaultConfigURL)
        let train = try task.problems(split: .train, count: 40)
        XCTAssertEqual(try task.problems(split: .train, count: 40), train)
        XCTAssertEqual(try task.problems(split: .train, count: 10), Array(train.prefix(10)))
        let test = try task.problems(split: .test, count: 20)
        XCTAssertEqual(try task.problems(split: .test, count: 5), Array(test.prefix(5)))
        XCTAssertNotEqual(train[0].question, test[0].question)
    }

    func testDefaultSplitsShareNoQuestion() throws {
        let task = try ArithmeticTask(contentsOf: TestSupport.defaultConfigURL)
        let train = try task.problems(split: .train, count: task.config.trainSize)
        let test = try task.problems(split: .test, count: task.config.testSize)
        XCTAssertEqual(train.count, 20_000)
        XCTAssertEqual(test.count, 500)
        XCTAssertTrue(Set(train.map(\.question)).isDisjoint(with: test.map(\.question)))
        XCTAssertEqual(Set(test.map(\.id)).count, test.count)
    }

    func testDefaultProblemsAreValidShortAndInTheTokenizerAlphabet() throws {
        let task = try ArithmeticTask(contentsOf: TestSupport.defaultConfigURL)
        let problems = try task.problems(split: .train, count: 3000) + task.problems(split: .test, count: 500)
        var stepCounts: Set<Int> = []
        for problem in problems {
            let lines = problem.solution.split(separator: "\n").map(String.init)
            XCTAssertEqual(lines.last, "#### \(problem.answer)")
            var previous: Int?
            for line in lines.dropLast() {
                let step = try XCTUnwrap(Step(line), "bad step line \(line) in \(problem.id)")
                XCTAssertEqual(step.result, step.expected, "\(line) in \(problem.id)")
                XCTAssertTrue((1...999).contains(step.result), "\(line) in \(problem.id)")
                if let previous { XCTAssertEqual(step.left, previous, "\(problem.id) does not chain") }
                previous = step.result
            }
            XCTAssertEqual(previous.map(String.init), problem.answer)
            stepCounts.insert(lines.count - 1)
            XCTAssertEqual(MathReward.gsm8k(response: problem.solution, gold: problem.answer, truncated: false), 1)
            XCTAssertTrue(problem.question.hasSuffix("?"))
            XCTAssertLessThanOrEqual(problem.question.count, 200, problem.question)
            XCTAssertLessThanOrEqual(problem.solution.count, 60, problem.solution)
            let text = problem.question + problem.solution
            XCTAssertTrue(text.allSatisfy(TestSupport.tokenizerCharacters.contains), text)
        }
        XCTAssertEqual(stepCounts, [2, 3])
    }
}

/// One solution line `a∘b=c`, parsed independently of the generator.
private struct Step {
    let left: Int
    let expected: Int
    let result: Int

    init?(_ line: String) {
        let sides = line.split(separator: "=")
        guard sides.count == 2, let result = Int(sides[1]),
            let symbolIndex = sides[0].dropFirst().firstIndex(where: { "+-*/".contains($0) }),
            let left = Int(sides[0][..<symbolIndex]),
            let right = Int(sides[0][sides[0].index(after: symbolIndex)...])
        else { return nil }
        switch sides[0][symbolIndex] {
        case "+": expected = left + right
        case "-": expected = left - right
        case "*": expected = left * right
        default:
            guard left % right == 0 else { return nil }
            expected = left / right
        }
        self.left = left
        self.result = result
    }
}
