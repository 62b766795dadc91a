Feature: Statements, past balances and the trial balance
  A wallet's statement lists what was paid into and out of it, oldest first, with the balance after
  each line. Money on hold is not on the statement until the hold is captured. We can also ask what
  a balance was at an earlier moment, and check the books as a whole: in each currency, the debits
  of all accounts add up to their credits (the trial balance).

  Background:
    Given a settlement account "Bank" in BRL
    And a customer wallet "Alice" in BRL
    And a customer wallet "Bob" in BRL
    And "Alice" receives R$ 100.00 through "Bank" for "top-up"

  Scenario: A statement shows every payment with the balance after it
    Given "Alice" sends R$ 30.00 to "Bob" for "dinner" as payment "p-1"
    And "Alice" places a hold of R$ 20.00 for "Bob" for "concert tickets" as hold "h-1"
    And "Bob" sends R$ 5.00 to "Alice" for "my share of dinner"
    Then the statement of "Alice" shows:
      | description        | paid out | paid in   | balance   |
      | top-up             |          | R$ 100.00 | R$ 100.00 |
      | dinner             | R$ 30.00 |           | R$ 70.00  |
      | my share of dinner |          | R$ 5.00   | R$ 75.00  |
    When hold "h-1" is captured for R$ 15.00
    And payment "p-1" is reversed
    Then the statement of "Alice" shows:
      | description        | paid out | paid in   | balance   |
      | top-up             |          | R$ 100.00 | R$ 100.00 |
      | dinner             | R$ 30.00 |           | R$ 70.00  |
      | my share of dinner |          | R$ 5.00   | R$ 75.00  |
      | concert tickets    | R$ 15.00 |           | R$ 60.00  |
      | Reversal of p-1    |          | R$ 30.00  | R$ 90.00  |
    And the statement of "Bob" shows:
      | description        | paid out | paid in   | balance   |
      | dinner             |          | R$ 30.00  | R$ 30.00  |
      | my share of dinner | R$ 5.00  |           | R$ 25.00  |
      | concert tickets    |          | R$ 15.00  | R$ 40.00  |
      | Reversal of p-1    | R$ 30.00 |           | R$ 10.00  |

  Scenario: A voided hold never appears on the statement
    Given "Alice" places a hold of R$ 20.00 for "Bob" for "concert tickets" as hold "h-1"
    When hold "h-1" is voided
    Then the statement of "Alice" shows:
      | description | paid out | paid in   | balance   |
      | top-up      |          | R$ 100.00 | R$ 100.00 |
    And the statement of "Bob" shows:
      | description | paid out | paid in | balance |

  Scenario: A balance can be read as it stood at an earlier moment
    Given the moment "before dinner" is noted
    And "Alice" sends R$ 30.00 to "Bob" for "dinner"
    And the moment "after dinner" is noted
    And "Bob" sends R$ 5.00 to "Alice" for "my share of dinner"
    And "Alice" places a hold of R$ 50.00 for "Bob" as hold "h-1"
    And the moment "after the hold" is noted
    Then "Alice" had a balance of R$ 100.00 at "before dinner"
    And "Alice" had a balance of R$ 70.00 at "after dinner"
    And "Bob" had a balance of R$ 30.00 at "after dinner"
    And "Alice" had a balance of R$ 75.00 at "after the hold"
    And "Alice" has a balance of R$ 75.00 with R$ 25.00 available

  Scenario: A wallet had nothing before it was opened
    Given the moment "before Carol joined" is noted
    And a customer wallet "Carol" in BRL
    And "Carol" receives R$ 10.00 through "Bank"
    Then "Carol" had a balance of R$ 0.00 at "before Carol joined"
    And "Carol" has a balance of R$ 10.00

  Scenario: The books balance in every currency
    Given a settlement account "Tokyo Bank" in JPY
    And a customer wallet "Yuki" in JPY
    And "Yuki" receives ¥ 1500 through "Tokyo Bank"
    And "Alice" sends R$ 30.00 to "Bob"
    And "Alice" places a hold of R$ 20.00 for "Bob" as hold "h-1"
    And "Bob" withdraws R$ 10.00 through "Bank"
    Then the trial balance shows:
      | currency | accounts | debits    | credits   | on hold  |
      | BRL      | 3        | R$ 140.00 | R$ 140.00 | R$ 20.00 |
      | JPY      | 2        | ¥ 1500    | ¥ 1500    | ¥ 0      |
    And the books balance in every currency

  Scenario: The books still balance after holds, captures, voids and reversals
    Given "Alice" places a hold of R$ 20.00 for "Bob" as hold "h-1"
    And "Alice" places a hold of R$ 10.00 for "Bob" as hold "h-2"
    And hold "h-1" is captured for R$ 12.50
    And hold "h-2" is voided
    And "Alice" sends R$ 40.00 to "Bob" as payment "p-1"
    And payment "p-1" is reversed
    Then the trial balance shows:
      | currency | accounts | debits    | credits   | on hold |
      | BRL      | 3        | R$ 192.50 | R$ 192.50 | R$ 0.00 |
    And the books balance in every currency
