Feature: Background jobs run in one place at a time
  Interest accrual, ledger verification and expiring holds run as jobs that any worker may pick up.
  However many workers run, and even when the queue hands the same job to two of them, a job's work is
  done by one worker at a time. A worker holds the job for a while after each progress report; one that
  dies or hangs stops reporting, and another worker takes the job over where it left off.

  Background:
    Given workers hold a job for 2 seconds after each progress report

  Scenario: A second worker leaves a running job to the first
    Given a ledger verification job
    And worker "A" has started it
    When worker "B" picks up the same job
    Then worker "B" is told the job is held by worker "A"
    And the job is running with 0 items done

  Scenario: A worker that stopped reporting is replaced, and the job goes on from its progress
    Given a ledger verification job
    And worker "A" has started it
    And worker "A" has reported 500 items done
    When 3 seconds pass
    And worker "B" picks up the same job
    Then worker "B" holds the job with 500 items done
    When worker "A" reports 1000 items done
    Then worker "A" is told another worker took the job over
    And the job is running with 500 items done

  Scenario: A worker that keeps reporting keeps its job
    Given a ledger verification job
    And worker "A" has started it
    When 1 second passes
    And worker "A" reports 500 items done
    And 1 second passes
    And worker "B" picks up the same job
    Then worker "B" is told the job is held by worker "A"

  Scenario: A finished job is not run again
    Given a ledger verification job
    And worker "A" has started it
    And worker "A" has finished it
    When worker "B" picks up the same job
    Then worker "B" finds the job already finished
