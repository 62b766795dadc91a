Feature: Safe retries
  Clients attach their own reference to every payment. If a request is sent again (a timeout, a
  network error, a double click), the ledger recognises the reference and answers as the first time,
  without moving money twice. A reference reused for a different payment is refused.

  Background:
    Given a settlement account "Bank" in BRL
    And a customer wallet "Alice" in BRL
    And a customer wallet "Bob" in BRL
    And a customer wallet "Carol" in BRL
    And "Alice" receives R$ 100.00 through "Bank"

  Scenario: Sending the same payment twice books it once
    When "Alice" sends R$ 10.00 to "Bob" as payment "order-42"
    And "Alice" sends R$ 10.00 to "Bob" as payment "order-42"
    Then the answer is the original payment "order-42"
    And "Alice" has a balance of R$ 90.00
    And "Bob" has a balance of R$ 10.00

  Scenario: A repeated request gets the answer it got the first time
    Given "Alice" places a hold of R$ 30.00 for "Bob" as hold "order-7"
    And hold "order-7" is captured for R$ 20.00
    When "Alice" places a hold of R$ 30.00 for "Bob" as hold "order-7"
    Then the answer is the original payment "order-7"
    And the answer shows a pending hold of R$ 30.00
    And hold "order-7" is posted
    And "Alice" has a balance of R$ 80.00

  Scenario: A reference reused for a different payment is refused
    Given "Alice" sends R$ 10.00 to "Bob" as payment "order-42"
    When "Alice" sends R$ 15.00 to "Bob" as payment "order-42"
    Then it is refused: the reference was already used for something else
    And "Alice" has a balance of R$ 90.00

  Scenario: Payments sent together are all booked
    When these payments are sent together:
      | reference | from  | to    | amount   |
      | b-1       | Alice | Bob   | R$ 10.00 |
      | b-2       | Bob   | Carol | R$ 10.00 |
      | b-3       | Alice | Carol | R$ 20.00 |
    Then "Alice" has a balance of R$ 70.00
    And "Bob" has a balance of R$ 0.00
    And "Carol" has a balance of R$ 30.00

  Scenario: Payments sent together are all refused when one of them fails
    When these payments are sent together:
      | reference | from  | to    | amount    |
      | b-1       | Alice | Bob   | R$ 10.00  |
      | b-2       | Alice | Carol | R$ 20.00  |
      | b-3       | Alice | Bob   | R$ 500.00 |
    Then it is refused: insufficient funds
    And "Alice" has a balance of R$ 100.00
    And "Bob" has a balance of R$ 0.00
    And "Carol" has a balance of R$ 0.00
    And there is no payment "b-1"
    And there is no payment "b-2"

  Scenario: The same reference twice in one batch is refused
    When these payments are sent together:
      | reference | from  | to  | amount   |
      | b-1       | Alice | Bob | R$ 10.00 |
      | b-1       | Alice | Bob | R$ 10.00 |
    Then it is refused: the request is invalid
    And "Alice" has a balance of R$ 100.00
