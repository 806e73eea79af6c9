"""Risk of bias of a study's result: RoB 2 for randomised trials, ROBINS-I for non-randomised
studies of interventions.

* :mod:`~evidencehub.grade.rob.terms` — the closed vocabularies: tools, domains (official names
  and short labels), judgements, signalling-question answers.
* :mod:`~evidencehub.grade.rob.rob2` — RoB 2's signalling questions for individually randomised
  parallel-group trials (both effects of domain 2) and the algorithm that proposes each domain's
  judgement from the answers, as the guidance's decision flowcharts state it (Sterne et al. 2019,
  BMJ 366:l4898; Higgins et al., RoB 2 full guidance, 22 August 2019).
* :mod:`~evidencehub.grade.rob.robins_i` — ROBINS-I's seven domains (Sterne et al. 2016, BMJ
  355:i4919): judgements entered per domain, the overall proposed by the 2016 guidance's rule.
* :mod:`~evidencehub.grade.rob.assessment` — one reviewer's assessment of one study's outcome
  (answers, support, proposed and chosen judgements with override reasons), the comparison of
  two reviewers' assessments and their consensus.

Pure: no I/O, no store. Plots of many assessments are in :mod:`evidencehub.publish.rob_plots`.
"""

from __future__ import annotations
