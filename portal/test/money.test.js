// The portal's exact decimal handling: amounts from the report API are decimal strings and must sort and display
// without binary floating-point error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareDecimal, roundDecimal, formatMoney } from '../src/money.js';

test('compares decimal strings exactly, beyond double precision', () => {
  assert.equal(compareDecimal('10', '9.999'), 1);
  assert.equal(compareDecimal('-1', '0.5'), -1);
  assert.equal(compareDecimal('-2', '-1.5'), -1);
  assert.equal(compareDecimal('1.50', '1.5'), 0);
  assert.equal(compareDecimal('0', '-0.000'), 0);
  assert.equal(compareDecimal('12345678901234567.01', '12345678901234567.02'), -1);  // equal as doubles
  assert.equal(compareDecimal('007.1', '7.10'), 0);
});

test('rounds half away from zero, carrying through nines', () => {
  assert.equal(roundDecimal('2.345'), '2.35');
  assert.equal(roundDecimal('-2.345'), '-2.35');
  assert.equal(roundDecimal('9.995'), '10.00');
  assert.equal(roundDecimal('999.999'), '1000.00');
  assert.equal(roundDecimal('0.004'), '0.00');
  assert.equal(roundDecimal('-0.004'), '0.00');
  assert.equal(roundDecimal('1.005'), '1.01');  // 1.005 as a double is 1.00499..., the string is exact
  assert.equal(roundDecimal('12'), '12.00');
});

test('formats with thousands separators and the currency code', () => {
  assert.equal(formatMoney('1234567.891', 'USD'), '1,234,567.89 USD');
  assert.equal(formatMoney('-1000', 'EUR'), '−1,000.00 EUR');
  assert.equal(formatMoney('0.5'), '0.50');
});
