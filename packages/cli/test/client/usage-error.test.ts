import { describe, expect, it } from 'vitest';
import { notANumberError, rawOptionTexts } from '../../src/client/parse-args.js';
import { closestOption, helpHint, usageMessage } from '../../src/client/usage-error.js';

/** The options yargs lists for `sluice consume`, camelCase aliases included. */
const CONSUME_OPTIONS = ['help', 'version', 'bootstrap-server', 'bootstrapServer', 'from-beginning', 'fromBeginning', 'offset', 'partition', 'max-messages', 'maxMessages', 'format', 'h', 'V'];

describe('usageMessage: yargs\' usage errors in the user\'s terms', () => {
  it('shows each unknown option once, as typed (=value cut), never the camelCase alias yargs adds', () => {
    expect(usageMessage('Unknown arguments: bogus-flag, bogusFlag', ['consume', 'logs', '--bogus-flag=3'], CONSUME_OPTIONS, ['consume <topic>'])).toBe('unknown option --bogus-flag');
    expect(usageMessage('Unknown arguments: x, y-z, yZ', ['consume', 'logs', '-x', '--y-z', '1'], CONSUME_OPTIONS, ['consume <topic>'])).toBe('unknown options -x, --y-z');
  });

  it('suggests the option a typo was close to, in kebab case', () => {
    expect(usageMessage('Unknown argument: fromBegining', ['consume', 'logs', '--fromBegining'], CONSUME_OPTIONS, ['consume <topic>'])).toBe('unknown option --fromBegining (did you mean --from-beginning?)');
    expect(usageMessage('Unknown arguments: max-mesages, maxMesages', ['consume', 'logs', '--max-mesages', '3'], CONSUME_OPTIONS, ['consume <topic>'])).toBe('unknown option --max-mesages (did you mean --max-messages?)');
  });

  it('names an unknown command at the top level, and only its first word', () => {
    expect(usageMessage('Unknown arguments: topcis, list', ['topcis', 'list'], ['help', 'version'], [])).toBe('unknown command "topcis"');
    expect(usageMessage('Unknown argument: extra', ['consume', 'logs', 'extra'], CONSUME_OPTIONS, ['consume <topic>'])).toBe('unexpected argument "extra"');
  });

  it('names a missing positional from the command string, and a value outside the choices', () => {
    expect(usageMessage('Not enough non-option arguments: got 0, need at least 1', ['topics', 'create'], [], ['topics', 'create <topic>'])).toBe('missing <topic>');
    expect(usageMessage('Not enough non-option arguments: got 1, need at least 2', ['x', 'a'], [], ['x <a> <b>'])).toBe('missing <b>');
    expect(usageMessage('Invalid values:\n  Argument: format, Given: "xml", Choices: "text", "json"', [], [], [])).toBe('--format: "xml" is not one of text, json');
  });

  it('cuts any other message to its first line', () => {
    expect(usageMessage('Name a command\nmore', [], [], [])).toBe('Name a command');
  });
});

describe('closestOption and helpHint', () => {
  it('suggests only near misses and never a camelCase alias or a one-letter alias', () => {
    expect(closestOption('partiton', CONSUME_OPTIONS)).toBe('partition');
    expect(closestOption('maxMessages', CONSUME_OPTIONS)).toBe('max-messages');
    expect(closestOption('colour', CONSUME_OPTIONS)).toBeUndefined();
    expect(closestOption('x', ['h', 'V'])).toBeUndefined();
  });

  it('points at the failing command\'s help', () => {
    expect(helpHint(['topics', 'create'])).toBe("run 'sluice topics create --help' for usage");
    expect(helpHint([])).toBe("run 'sluice --help' for usage");
  });
});

describe('notANumberError: the text behind a NaN', () => {
  it('names the flag and the first text given that is not a number', () => {
    expect(rawOptionTexts('offset', ['consume', 't', '--offset', 'abc'])).toEqual(['abc']);
    expect(rawOptionTexts('offset', ['--offset=1', '--offset=x2'])).toEqual(['1', 'x2']);
    expect(rawOptionTexts('offset', ['--offset', '-5', '--partition', '1'])).toEqual(['-5']);
    expect(rawOptionTexts('offset', ['--', '--offset', 'no'])).toEqual([]);
    expect(notANumberError({ offset: Number.NaN, _: [] }, ['--offset=1', '--offset=x2'])?.message).toBe('--offset: "x2" is not a number');
    expect(notANumberError({ offset: Number.NaN, _: [] }, ['--offset', 'abc'])?.message).toBe('--offset: "abc" is not a number');
    expect(notANumberError({ 'max-messages': Number.NaN, maxMessages: Number.NaN }, ['--max-messages=ten'])?.message).toBe('--max-messages: "ten" is not a number');
    expect(notANumberError({ 'record-size': [100, Number.NaN] }, ['--record-size', '100', 'big'])?.message).toBe('--record-size: "big" is not a number');
    expect(notANumberError({ offset: Number.NaN }, ['--offset'])?.message).toBe('--offset needs a number');
    expect(notANumberError({ offset: 5, partition: 0 }, [])).toBeNull();
  });
});
