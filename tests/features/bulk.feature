Feature: Many payments at once
  A partner can send many payments in one request (up to 10,000 of them), and payments that customers
  send at the same moment are booked together to keep the ledger fast. Either way, every payment is
  booked or refused on its own, exactly as if it had been sent alone, in the order given: a payment
  that cannot be made does not stop the others, and the others do not change why it was refused.

  Background:
    Given a settlement account "Bank" in BRL
    And a customer wallet "Alice" in BRL
    And a customer wallet "Bob" in BRL
    And a customer wallet "Carol" in BRL
    And "Alice" receives R$ 100.00 through "Bank"
    And "Bob" receives R$ 50.00 through "Bank"

  Scenario: Many payments sent together are each booked or refused on their own
    When these payments are sent in bulk:
      | reference | from  | to    | amount    |
      | p-1       | Alice | Bob   | R$ 10.50  |
      | p-2       | Alice | Carol | R$ 500.00 |
      | p-3       | Bob   | Carol | R$ 20.00  |
      | p-4       | Alice | Carol | R$ 89.50  |
    Then payment "p-1" is booked
    And payment "p-2" is refused: insufficient funds
    And payment "p-3" is booked
    And payment "p-4" is booked
    And there is no payment "p-2"
    And "Alice" has a balance of R$ 0.00
    And "Bob" has a balance of R$ 40.50
    And "Carol" has a balance of R$ 109.50
    And the books balance in every currency

  Scenario: Payments in a bulk are booked in the order they are listed
    When these payments are sent in bulk:
      | reference | from  | to    | amount  |
      | p-1       | Carol | Alice | R$ 5.00 |
      | p-2       | Bob   | Carol | R$ 5.00 |
      | p-3       | Carol | Alice | R$ 5.00 |
    Then payment "p-1" is refused: insufficient funds
    And payment "p-2" is booked
    And payment "p-3" is booked
    And "Carol" has a balance of R$ 0.00
    And "Alice" has a balance of R$ 105.00

  Scenario: A payment to a frozen wallet is refused and the others are booked
    Given "Carol" is frozen
    When these payments are sent in bulk:
      | reference | from  | to    | amount   |
      | p-1       | Alice | Carol | R$ 10.00 |
      | p-2       | Alice | Bob   | R$ 10.00 |
    Then payment "p-1" is refused: the account is not active
    And payment "p-2" is booked
    And "Alice" has a balance of R$ 90.00
    And "Bob" has a balance of R$ 60.00

  Scenario: A payment sent twice in one bulk is booked once
    When these payments are sent in bulk:
      | reference | from  | to  | amount   |
      | p-1       | Alice | Bob | R$ 10.00 |
      | p-1       | Alice | Bob | R$ 10.00 |
    Then payment "p-1" is booked
    And the repeat of payment "p-1" gets the same answer
    And "Alice" has a balance of R$ 90.00
    And "Bob" has a balance of R$ 60.00

  Scenario: A reference used twice in one bulk for different payments books only the first
    When these payments are sent in bulk:
      | reference | from  | to  | amount   |
      | p-1       | Alice | Bob | R$ 10.00 |
      | p-1       | Alice | Bob | R$ 15.00 |
    Then payment "p-1" is booked
    And the repeat of payment "p-1" is refused: the reference was already used for something else
    And "Alice" has a balance of R$ 90.00

  Scenario: A payment booked before is recognised in a bulk
    Given "Alice" sends R$ 10.00 to "Bob" as payment "p-1"
    When these payments are sent in bulk:
      | reference | from  | to    | amount   |
      | p-1       | Alice | Bob   | R$ 10.00 |
      | p-2       | Alice | Carol | R$ 20.00 |
    Then payment "p-1" gets the answer it got before
    And payment "p-2" is booked
    And "Alice" has a balance of R$ 70.00
    And "Bob" has a balance of R$ 60.00

  Scenario: Payments sent at the same moment by different customers are all booked
    Given a customer wallet "Shop" in BRL
    And "Carol" receives R$ 30.00 through "Bank"
    When these payments are sent at the same moment:
      | reference | from  | to   | amount   |
      | c-1       | Alice | Shop | R$ 10.00 |
      | c-2       | Bob   | Shop | R$ 20.00 |
      | c-3       | Carol | Shop | R$ 30.00 |
      | c-4       | Alice | Shop | R$ 40.00 |
      | c-5       | Bob   | Shop | R$ 5.00  |
      | c-6       | Alice | Shop | R$ 0.01  |
    Then payment "c-1" is booked
    And payment "c-2" is booked
    And payment "c-3" is booked
    And payment "c-4" is booked
    And payment "c-5" is booked
    And payment "c-6" is booked
    And the payments were booked together, not one at a time
    And "Shop" has a balance of R$ 105.01
    And "Alice" has a balance of R$ 49.99
    And "Bob" has a balance of R$ 25.00
    And "Carol" has a balance of R$ 0.00

  Scenario: A payment sent at the same moment as others is still checked against the money left
    When these payments are sent at the same moment:
      | reference | from  | to    | amount   |
      | c-1       | Alice | Bob   | R$ 95.00 |
      | c-2       | Alice | Carol | R$ 10.00 |
      | c-3       | Bob   | Carol | R$ 10.00 |
    Then payment "c-1" is booked
    And payment "c-2" is refused: insufficient funds
    And payment "c-3" is booked
    And "Alice" has a balance of R$ 5.00
    And "Carol" has a balance of R$ 10.00
