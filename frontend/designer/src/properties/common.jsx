// Small pieces shared by the BranchFlow panel entries.
import { useService } from 'bpmn-js-properties-panel';

export const VARIABLE = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function useWriteServices() {
  return {
    bpmnFactory: useService('bpmnFactory'),
    commandStack: useService('commandStack')
  };
}

/** The server's problems of one element, as a list under an entry or a group. */
export function ServerProblems({ element }) {
  const problems = useService('branchflowProblems').of(element.id);
  const translate = useService('translate');
  if (!problems.length) return null;
  return (
    <ul class="bf-entry-problems" aria-label={translate('Server check')}>
      {problems.map((problem) => (
        <li class={`bf-severity-${problem.severity || 'error'}`}>{problem.message}</li>
      ))}
    </ul>
  );
}
