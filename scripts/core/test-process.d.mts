/** Types of test-process.mjs (plain JavaScript so that scripts/run.mjs can load it before tsx). */
export declare const DEFAULT_HEAP_MB: number;
export declare const TEST_CHILD: string;
export declare function nodeTestProcessArgs(heapMb: number): string[];
