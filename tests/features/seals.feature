@postgres_only
Feature: The sealed journal
  The ledger seals its journal in blocks, every few seconds, each block chained to the one before. Once
  a payment is sealed, nobody can change it afterwards, not even someone with full access to the
  database, without the seal check finding it and saying which payment it was. Anyone we give a proof
  to can check that a payment is in the sealed journal with nothing but a standard hash function.

  Background:
    Given a settlement account "Bank" in BRL
    And a customer wallet "Alice" in BRL

  Scenario: A changed amount is found by the seal check
    Given "Bank" sends R$ 125.00 to "Alice" as payment "P1"
    And "Bank" sends R$ 10.00 to "Alice" as payment "P2"
    And the journal is sealed
    When someone changes the amount of payment "P1" to R$ 126.00 behind the ledger's back
    Then the seal check finds a changed line of payment "P1"

  Scenario: A deleted line is found by the seal check
    Given "Bank" sends R$ 42.00 to "Alice" as payment "P1"
    And "Bank" sends R$ 7.50 to "Alice" as payment "P2"
    And the journal is sealed
    When someone deletes a line of payment "P2" behind the ledger's back
    Then the seal check finds a deleted line

  Scenario: A sealed payment can be proven to an outsider
    Given "Bank" sends R$ 10.50 to "Alice" as payment "P1"
    When the journal is sealed
    Then the seal check finds nothing wrong
    And the proof of payment "P1" checks out with SHA-256 alone
    And the proof of payment "P1" shows R$ 10.50
