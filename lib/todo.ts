/**
 * The marker a skeleton throws where the learner still has work to do.
 *
 * Every open task in an exercise file is a comment `// TODO(lesson-N:step): what to do`
 * and, in the body it belongs to, `throw todo("lesson-N:step")`. The grader recognises
 * the error by its name and its `TODO(id)` token, finds the comment with the same token
 * in the exercise files, and shows the learner that file and line instead of a stack
 * trace. The kit's own suite checks that every declared TODO is reached by a hidden test.
 *
 * @example
 * ```ts
 * import { todo } from "../../lib/todo.ts";
 *
 * get(index: number): T {
 *   // TODO(lesson-1:get): read the overlay first, then the original.
 *   throw todo("lesson-1:get");
 * }
 * ```
 */

/** Thrown by an unfinished skeleton; `todoId` names the TODO comment to fill in. */
export class NotImplementedError extends Error {
  readonly todoId: string;
  constructor(todoId: string) {
    super(`not implemented yet: TODO(${todoId})`);
    this.name = "NotImplementedError";
    this.todoId = todoId;
  }
}

/** Returns the error to throw from a method whose TODO is still open. */
export function todo(todoId: string): NotImplementedError {
  return new NotImplementedError(todoId);
}

/** Matches the `TODO(id)` token in comments and in error messages alike. */
export const TODO_TOKEN = /TODO\(([a-z0-9]+(?:-[a-z0-9]+)*:[a-z0-9]+(?:-[a-z0-9]+)*)\)/g;
